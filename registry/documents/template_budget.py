"""An upper bound, computed from a template alone, of what rendering it can cost.

The caller gives the bound of every value the template can read, as a `Shape` (forms/
template_check.py builds one from the field schema, where every field has a maximum length).
Each expression then gets a Shape bounding its value, and each node a cost:

- a Shape bounds the characters of the value's text (`chars`) and, iterated, how many items
  (`items`) of which Shape (`item`: None for the characters of a text); a mapping names its
  members; `kinds` says which Python types the value can be (`*` and `%` need numbers);
- evaluating an expression costs the characters of every value computed on the way; printing
  costs the printed text once escaped (at most 5 characters per character: `"` is `&#34;`); the
  template's own XML costs its length;
- `if` costs its tests plus its dearest branch; `for` costs its iterable, plus (1 + its filter +
  its body) times the items it iterates (a text iterates its characters), plus its `else`;
- filters: `join(d)` is items × (item + d); case filters at most 3× (ß → SS, ﬃ → FFI); `escape`
  5×; `truncate` its input plus `end`; dates and country names at most 80 characters; `default`
  the larger of both; numbers at most twice their digits (group separators).

The sum bounds both the memory (no value is longer than the total) and the time (a render is
linear in what it produces). A template whose bound exceeds RENDER_BUDGET is refused, naming the
paragraph that costs most. The bound can only over-estimate: every node type the rule set allows
(template_rules.ALLOWED_NODES) is costed here, and any other is costed as the whole budget."""

from dataclasses import dataclass, field

from jinja2 import nodes

from registry.documents.sandbox import RENDER_BUDGET
from registry.labels import mark

TEXT, NUMBER, BOOL, NONE, LIST, MAP = "text", "number", "bool", "none", "list", "map"
ANY_KIND = frozenset({TEXT, NUMBER, BOOL, NONE, LIST, MAP})
NUMERIC = frozenset({NUMBER, BOOL})
CONTAINER = frozenset({LIST, MAP})
ESCAPED = 5  # characters an escaped character can take (&#34;)
CASE = 3  # characters an upper- or lower-cased character can take
REPR = 10  # characters repr() can give one character of a string in a list (\U0010ffff)
DATE_CHARS = 80  # "mercredi 31 décembre 2025", in any language

OVER_BUDGET = mark("with the longest values the fields allow, a render could compute about %(size)s million "
                   "characters; the limit is %(max)s million (loops over long values, join…)")
STRING_OPERAND = mark("the %(operator)s operator is for numbers, and one of its operands can be text or a list")


@dataclass(frozen=True)
class Shape:
    chars: int
    kinds: frozenset = ANY_KIND
    items: int = 0
    item: "Shape | None" = None  # None: a character of a text
    members: dict = field(default_factory=dict, compare=False)
    others: "Shape | None" = None  # members not named

    def member(self, name) -> "Shape":
        return self.members.get(name) or self.others or UNDECLARED

    def element(self) -> "Shape":
        return self.item or CHARACTER


CHARACTER = Shape(1, frozenset({TEXT}), items=1)
UNDECLARED = Shape(9, frozenset({NONE}))  # read nowhere: forms refuse a template printing an undeclared name
BOOLEAN = Shape(5, frozenset({BOOL}))
# a context nothing is known about (check_template without shapes): anything, of any kind
UNKNOWN = Shape(1000, ANY_KIND, items=100)
object.__setattr__(UNKNOWN, "item", UNKNOWN)
object.__setattr__(UNKNOWN, "others", UNKNOWN)


def text(chars: int) -> Shape:
    return Shape(chars, frozenset({TEXT}), items=chars)


def number(chars: int) -> Shape:
    """A number field: the data may give it as a number or as text ("1 234,5")."""
    return Shape(chars, frozenset({NUMBER, TEXT}), items=chars)


def _repr_chars(shape: Shape) -> int:
    """The longest repr of a value: a list's or a mapping's chars already are (repr of a list is
    its items' reprs), a text's characters can each take REPR."""
    return shape.chars if shape.kinds <= CONTAINER else REPR * shape.chars


def listing(item: Shape, count: int) -> Shape:
    return Shape(count * (_repr_chars(item) + 4) + 2, frozenset({LIST}), items=count, item=item)


def mapping(members: dict[str, Shape]) -> Shape:
    chars = sum(len(k) + 4 + _repr_chars(s) for k, s in members.items()) + 2
    keys = text(max((len(k) for k in members), default=0))
    return Shape(chars, frozenset({MAP}), items=len(members), item=keys, members=dict(members))


def union(a: Shape, b: Shape) -> Shape:
    if a is b or a is UNKNOWN or b is UNKNOWN:  # UNKNOWN (self-referential) is only used for kinds
        return a if a is b else UNKNOWN
    item = union(a.element(), b.element()) if (a.item or b.item) else None
    members = {k: union(a.member(k), b.member(k)) for k in {*a.members, *b.members}}
    others = union(a.others, b.others) if a.others and b.others else a.others or b.others
    return Shape(max(a.chars, b.chars), a.kinds | b.kinds, max(a.items, b.items), item, members, others)


def _count(n: int) -> Shape:
    return Shape(len(str(max(n, 1))) + 1, frozenset({NUMBER}))


def loop_shape(iterable: Shape) -> Shape:
    count, item = _count(iterable.items), iterable.element()
    return mapping({"index": count, "index0": count, "revindex": count, "revindex0": count, "length": count,
                    "depth": count, "depth0": count, "first": BOOLEAN, "last": BOOLEAN, "previtem": item,
                    "nextitem": item})


# --- filters: (input, positional arguments, keyword arguments) -> result ---------------------

def _any_member(shape: Shape) -> Shape:
    found = [*shape.members.values(), *([shape.others] if shape.others else [])]
    result = found[0] if found else UNDECLARED
    for other in found[1:]:
        result = union(result, other)
    return result


def _join(value: Shape, args: list[Shape], kwargs: dict[str, Shape]) -> Shape:
    separator = (args[0] if args else kwargs.get("d")) or text(0)
    item = value.element()
    if len(args) > 1 or "attribute" in kwargs:
        item = _any_member(item)
    joined = value.items * item.chars + max(value.items - 1, 0) * separator.chars
    return text(ESCAPED * joined)  # with autoescape, join escapes each item and the separator


def _truncate(value: Shape, args: list[Shape], kwargs: dict[str, Shape]) -> Shape:
    end = (args[2] if len(args) > 2 else kwargs.get("end")) or text(3)
    return text(value.chars + end.chars)


def _default(value: Shape, args: list[Shape], kwargs: dict[str, Shape]) -> Shape:
    return union(value, (args[0] if args else kwargs.get("default_value")) or text(0))


def _replace(value: Shape, args: list[Shape], kwargs: dict[str, Shape]) -> Shape:
    new = (args[1] if len(args) > 1 else kwargs.get("new")) or text(0)
    return text((value.chars + 1) * (new.chars + 1))  # replace("", new) inserts new around every character


def _map(value: Shape, args: list[Shape], kwargs: dict[str, Shape]) -> Shape:
    """map(attribute=…) only (the upload check refuses map(filter)): a list of one member of each item."""
    return listing(_any_member(value.element()), value.items)


def _numeric(value: Shape, *_) -> Shape:
    return Shape(max(value.chars, 20) + 12, frozenset({NUMBER}))


FILTERS = {
    "join": _join, "truncate": _truncate, "default": _default, "d": _default,
    "upper": lambda v, *_: text(CASE * v.chars), "lower": lambda v, *_: text(CASE * v.chars),
    "title": lambda v, *_: text(CASE * v.chars), "capitalize": lambda v, *_: text(CASE * v.chars),
    "trim": lambda v, *_: text(v.chars), "string": lambda v, *_: text(v.chars),
    "e": lambda v, *_: text(ESCAPED * v.chars), "escape": lambda v, *_: text(ESCAPED * v.chars),
    "first": lambda v, *_: v.element(), "last": lambda v, *_: v.element(),
    "count": lambda v, *_: _count(v.items), "length": lambda v, *_: _count(v.items),
    "abs": _numeric, "int": _numeric, "float": _numeric, "round": _numeric,
    "date_fr": lambda *_: text(DATE_CHARS), "date_partner": lambda *_: text(DATE_CHARS),
    "country_fr": lambda *_: text(DATE_CHARS), "country_partner": lambda *_: text(DATE_CHARS),
    "number_fr": lambda v, *_: text(2 * v.chars + 8), "number_partner": lambda v, *_: text(2 * v.chars + 8),
    "box": lambda *_: text(1), "nir": lambda v, *_: text(v.chars + 6),
    "sort": lambda v, *_: v, "unique": lambda v, *_: v, "map": _map, "replace": _replace,
}


# --- the walk ---------------------------------------------------------------------------------

class Meter:
    """Costs of a parsed part; `scope` holds the Shapes of loop variables."""

    def __init__(self, root: Shape) -> None:
        self.root = root
        self.problems: list[tuple[nodes.Node, str, dict]] = []
        self.dearest: tuple[int, nodes.Node | None] = (0, None)  # where the problem is shown

    def _noted(self, node: nodes.Node, cost: int) -> int:
        if cost > self.dearest[0]:
            self.dearest = (cost, node)
        return cost

    def statements(self, body: list[nodes.Node], scope: dict) -> int:
        return sum(self.statement(node, scope) for node in body)

    def statement(self, node: nodes.Node, scope: dict) -> int:
        if isinstance(node, nodes.Output):
            return sum(len(child.data) if isinstance(child, nodes.TemplateData) else
                       self._noted(child, self._printed(child, scope)) for child in node.nodes)
        if isinstance(node, nodes.If):
            return self._if(node, scope)
        if isinstance(node, nodes.For):
            return self._noted(node, self._for(node, scope))
        if isinstance(node, nodes.With):
            return self._with(node, scope)
        return RENDER_BUDGET + 1  # outside the rule set (refused there): never cheaper than the budget

    def _printed(self, node: nodes.Node, scope: dict) -> int:
        shape, cost = self.expression(node, scope)
        return cost + ESCAPED * shape.chars

    def _if(self, node: nodes.If, scope: dict) -> int:
        tests = self.expression(node.test, scope)[1]
        branches = [self.statements(node.body, scope), self.statements(node.else_, scope)]
        for elif_ in node.elif_:
            tests += self.expression(elif_.test, scope)[1]
            branches.append(self.statements(elif_.body, scope))
        return tests + max(branches)

    def _for(self, node: nodes.For, scope: dict) -> int:
        iterable, cost = self.expression(node.iter, scope)
        inner = {**scope, "loop": loop_shape(iterable)}
        names = [node.target] if isinstance(node.target, nodes.Name) else list(node.target.find_all(nodes.Name))
        for name in names:
            inner[name.name] = iterable.element() if len(names) == 1 else iterable.element().element()
        each = 1 + self.statements(node.body, inner) + (self.expression(node.test, inner)[1] if node.test else 0)
        return cost + iterable.items * each + self.statements(node.else_, scope)

    def _with(self, node: nodes.With, scope: dict) -> int:
        """{% with a = x %}: each value computed once, then the body with the names bound."""
        inner, cost = dict(scope), 0
        for target, value in zip(node.targets, node.values, strict=True):
            shape, value_cost = self.expression(value, scope)
            cost += value_cost
            for name in target.find_all(nodes.Name) if not isinstance(target, nodes.Name) else [target]:
                inner[name.name] = shape if isinstance(target, nodes.Name) else shape.element()
        return cost + self.statements(node.body, inner)

    def expression(self, node: nodes.Node, scope: dict) -> tuple[Shape, int]:
        """(the Shape of its value, the characters computed to get it)."""
        method = getattr(self, f"_{type(node).__name__.lower()}", None)
        if method is None:
            return Shape(RENDER_BUDGET + 1), RENDER_BUDGET + 1
        return method(node, scope)

    def _all(self, expressions, scope: dict) -> tuple[list[Shape], int]:
        results = [self.expression(e, scope) for e in expressions if e is not None]
        return [s for s, _ in results], sum(c for _, c in results)

    def _const(self, node: nodes.Const, _scope: dict) -> tuple[Shape, int]:
        value = node.value
        if isinstance(value, str):
            return text(len(value)), 0
        if isinstance(value, bool) or value is None:
            return Shape(5, frozenset({BOOL if isinstance(value, bool) else NONE})), 0
        if isinstance(value, (int, float)):
            return Shape(len(repr(value)), frozenset({NUMBER})), 0
        return Shape(len(repr(value)) * REPR), 0

    def _name(self, node: nodes.Name, scope: dict) -> tuple[Shape, int]:
        return (scope[node.name] if node.name in scope else self.root.member(node.name)), 0

    def _getattr(self, node: nodes.Getattr, scope: dict) -> tuple[Shape, int]:
        base, cost = self.expression(node.node, scope)
        return base.member(node.attr), cost

    def _getitem(self, node: nodes.Getitem, scope: dict) -> tuple[Shape, int]:
        base, cost = self.expression(node.node, scope)
        if isinstance(node.arg, nodes.Slice):
            return base, cost + self._all((node.arg.start, node.arg.stop, node.arg.step), scope)[1]
        if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            return base.member(node.arg.value), cost
        index_cost = self.expression(node.arg, scope)[1]
        return union(base.element(), _any_member(base)) if base.members or base.others else base.element(), \
            cost + index_cost

    def _filter(self, node: nodes.Filter, scope: dict) -> tuple[Shape, int]:
        value, cost = self.expression(node.node, scope) if node.node is not None else (text(0), 0)
        args, args_cost = self._all(node.args, scope)
        keywords = {k.key: self.expression(k.value, scope) for k in node.kwargs}
        transfer = FILTERS.get(node.name)
        if transfer is None:
            return Shape(RENDER_BUDGET + 1), RENDER_BUDGET + 1
        result = transfer(value, args, {k: s for k, (s, _) in keywords.items()})
        return result, cost + args_cost + sum(c for _, c in keywords.values()) + result.chars

    def _test(self, node: nodes.Test, scope: dict) -> tuple[Shape, int]:
        return BOOLEAN, self._all((node.node, *node.args, *(k.value for k in node.kwargs)), scope)[1]

    def _compare(self, node: nodes.Compare, scope: dict) -> tuple[Shape, int]:
        return BOOLEAN, self._all((node.expr, *(o.expr for o in node.ops)), scope)[1]

    def _not(self, node: nodes.Not, scope: dict) -> tuple[Shape, int]:
        return BOOLEAN, self.expression(node.node, scope)[1]

    def _neg(self, node: nodes.UnaryExpr, scope: dict) -> tuple[Shape, int]:
        shape, cost = self.expression(node.node, scope)
        return Shape(shape.chars + 1, frozenset({NUMBER})), cost

    _pos = _neg

    def _and(self, node: nodes.BinExpr, scope: dict) -> tuple[Shape, int]:
        (left, right), cost = self._all((node.left, node.right), scope)
        return union(left, right), cost

    _or = _and

    def _condexpr(self, node: nodes.CondExpr, scope: dict) -> tuple[Shape, int]:
        test = self.expression(node.test, scope)[1]
        first, first_cost = self.expression(node.expr1, scope)
        second, second_cost = self.expression(node.expr2, scope) if node.expr2 is not None else (text(0), 0)
        return union(first, second), test + max(first_cost, second_cost)

    def _arithmetic(self, node: nodes.BinExpr, scope: dict) -> tuple[Shape, int]:
        (left, right), cost = self._all((node.left, node.right), scope)
        numeric = left.kinds <= NUMERIC and right.kinds <= NUMERIC
        if isinstance(node, nodes.Add) and not numeric:  # concatenation of texts or lists
            result = Shape(left.chars + right.chars, left.kinds | right.kinds, left.items + right.items,
                           union(left.element(), right.element()))
        else:
            if isinstance(node, nodes.Mul) and not numeric or isinstance(node, nodes.Mod) and not left.kinds <= NUMERIC:
                self.problems.append((node, STRING_OPERAND, {"operator": node.operator}))
            result = Shape(left.chars + right.chars + 40, frozenset({NUMBER}))
        return result, cost + result.chars

    _add = _sub = _mul = _div = _floordiv = _mod = _pow = _arithmetic

    def _concat(self, node: nodes.Concat, scope: dict) -> tuple[Shape, int]:
        shapes, cost = self._all(node.nodes, scope)
        result = text(ESCAPED * sum(s.chars for s in shapes))
        return result, cost + result.chars

    def _sequence(self, node: nodes.Node, scope: dict) -> tuple[Shape, int]:
        shapes, cost = self._all(node.items, scope)
        item = shapes[0] if shapes else text(0)
        for other in shapes[1:]:
            item = union(item, other)
        result = listing(item, len(shapes))
        return result, cost + result.chars

    _list = _tuple = _sequence

    def _dict(self, node: nodes.Dict, scope: dict) -> tuple[Shape, int]:
        members, cost = {}, 0
        for pair in node.items:
            value, value_cost = self.expression(pair.value, scope)
            key = pair.key.value if isinstance(pair.key, nodes.Const) else repr(pair.key)
            members[str(key)], cost = value, cost + value_cost + self.expression(pair.key, scope)[1]
        result = mapping(members)
        return result, cost + result.chars


def measure(tree: nodes.Template, root: Shape) -> tuple[int, nodes.Node | None, Meter]:
    """(the cost bound of one parsed part, its dearest loop or printed value, the meter and its problems)."""
    meter = Meter(root)
    return meter.statements(tree.body, {}), meter.dearest[1], meter


def budget_problems(parsed: list, root: Shape | None) -> list:
    """Problems of the parsed parts [(TemplatePart, AST)]: operators on text, and, with the
    bounds of the context (`root`), the budget."""
    from registry.documents.template_rules import problem_at

    problems, total, dearest = [], 0, (0, None, None)
    for part, tree in parsed:
        cost, node, meter = measure(tree, root or UNKNOWN)
        problems += [problem_at(part, "unsafe", n.lineno, message, **params) for n, message, params in meter.problems]
        total += cost
        if node is not None and cost >= dearest[0]:
            dearest = (cost, part, node)
    if root is not None and total > RENDER_BUDGET and dearest[1] is not None:
        size = f"{total / 1e6:.1f}" if total < 10**12 else "1,000,000+"
        problems.append(problem_at(dearest[1], "budget", dearest[2].lineno, OVER_BUDGET, size=size,
                                   max=f"{RENDER_BUDGET / 1e6:g}"))
    return problems
