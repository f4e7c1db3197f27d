"""Message catalogs (data only): babel.cfg, messages.pot, <locale>/LC_MESSAGES/messages.po.

A package only so that the catalogs ship inside a non-editable install."""
