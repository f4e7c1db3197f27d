"""Registry core: settings, database, shared models, audit, i18n, auth, documents, web."""
