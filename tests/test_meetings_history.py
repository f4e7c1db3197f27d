"""The meetings shipped with the registry: the 2023 sessions of DOMAIN.md, loaded once, with
their thread of decisions and action items, and the links to the forms validated in Serbia."""

from datetime import date

from sqlmodel import select

from agreements.meetings import services
from agreements.meetings.models import ActionItem, Decision, DecisionEffect, Meeting
from agreements.meetings.queries import agenda_of, decisions_affecting
from registry.audit import Actor
from registry.auth.principal import ANONYMOUS
from registry.composition import meeting_target_resolvers, seed

DELEGATION = Actor(name="delegation", remote_addr="127.0.0.1")


def meeting(session, country: str, starts_on: date) -> Meeting:
    return session.exec(select(Meeting).where(Meeting.country_code == country, Meeting.starts_on == starts_on)).one()


def test_the_2023_sessions_are_shipped_once(session):
    found = {(m.country_code, m.starts_on.isoformat(), m.kind) for m in session.exec(select(Meeting)).all()}
    assert {("AD", "2023-10-26", "joint_commission"), ("RS", "2023-10-19", "technical_meeting"),
            ("ML", "2023-04-12", "technical_meeting"), ("AR", "2023-10-05", "videoconference"),
            ("AR", "2023-12-14", "videoconference"), ("GA", "2023-03-08", "videoconference"),
            ("GA", "2023-03-21", "videoconference"), ("GA", "2023-05-12", "videoconference")} <= found
    andorra = meeting(session, "AD", date(2023, 10, 26))
    assert andorra.ends_on == date(2023, 10, 27) and andorra.partner_language == "ca" and andorra.illustrative
    assert [i.title_partner for i in agenda_of(session, andorra.id)][3] == "Teletreball"
    assert seed(session) == {}  # a second load creates nothing


def test_the_serbian_decision_links_the_validated_form_versions_and_not_the_pending_one(session):
    from forms.models import Form, FormValidation, FormVersion

    serbia = meeting(session, "RS", date(2023, 10, 19))
    decision = session.exec(select(Decision).where(Decision.meeting_id == serbia.id,
                                                   Decision.text_fr.startswith("31 formulaires"))).one()
    effects = session.exec(select(DecisionEffect).where(DecisionEffect.decision_id == decision.id,
                                                        DecisionEffect.target_kind == "form_version")).all()
    linked = {session.get(FormVersion, e.target_id).id for e in effects}
    versions = session.exec(select(FormVersion, Form).join(Form).where(Form.country_code == "RS")).all()
    validated = {v.id for v, _f in versions if v.status != "draft" and v.number == 1}  # not the A4 ones of 2026
    pending = [(v, f) for v, f in versions if v.status == "draft"]
    # the registry ships the 32 Serbian forms: the 31 validated ones are linked, the pending one is not
    assert linked == validated and len(linked) == 31
    assert [f.code for _v, f in pending] == ["SE 121-05"] and pending[0][0].id not in linked
    sides = {v.side for v in session.exec(select(FormValidation).where(
        FormValidation.form_version_id == pending[0][0].id)).all()}
    assert sides == {"france"}  # still waiting for the Serbian validation
    refs = decisions_affecting(session, ANONYMOUS, "form_version", [*validated, pending[0][0].id])
    assert set(refs) == validated and all(r[0].decision_id == decision.id for r in refs.values())
    assert "31" in decision.text_fr and "32" in decision.text_fr


def test_planning_the_next_argentine_session_proposes_what_2023_left_open(session):
    october, december = meeting(session, "AR", date(2023, 10, 5)), meeting(session, "AR", date(2023, 12, 14))
    still_open = session.exec(select(ActionItem).where(ActionItem.meeting_id.in_([october.id, december.id]),
                                                       ActionItem.status == "open")).all()
    assert {a.meeting_id for a in still_open} == {october.id, december.id}
    done = session.exec(select(ActionItem).where(ActionItem.meeting_id == october.id,
                                                 ActionItem.status == "done")).one()
    assert done.closed_in_meeting_id == december.id

    planned = services.create_meeting(session, DELEGATION, {"country_code": "AR", "kind": "videoconference",
                                                            "starts_on": date(2024, 2, 15)})
    session.commit()
    agenda = agenda_of(session, planned.id)
    assert agenda[0].origin == "previous_minutes" and agenda[0].origin_meeting_id == december.id
    assert agenda[0].title_fr == "Approbation du procès-verbal de la session du 14 décembre 2023"
    assert agenda[0].title_partner == "Aprobación del acta de la sesión del 14 de diciembre de 2023"
    carried = {i.origin_action_item_id for i in agenda if i.origin == "action_item"}
    assert carried == {a.id for a in still_open}
    assert {i.origin_meeting_id for i in agenda[1:]} == {october.id, december.id}
    assert all(i.proposed for i in agenda) and done.id not in carried
    # the meeting decided in October to meet every two months
    assert session.exec(select(Decision).where(Decision.meeting_id == october.id,
                                               Decision.text_fr.contains("tous les deux mois"))).one()


def test_decision_effects_resolve_to_pages(session):
    resolvers = meeting_target_resolvers()
    effect = session.exec(select(DecisionEffect).where(DecisionEffect.target_kind == "form_version")).first()
    target = resolvers["form_version"](session, effect.target_id)
    assert target.url.startswith("/forms/SE-121-") and target.country_code == "RS"
