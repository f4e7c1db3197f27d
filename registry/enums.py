"""Vocabularies shared by several packages. Labels live in the message catalogs."""

from enum import StrEnum


class Risk(StrEnum):
    sickness = "sickness"
    maternity = "maternity"
    invalidity = "invalidity"
    old_age = "old_age"
    survivors = "survivors"
    work_accidents = "work_accidents"
    family = "family"
    unemployment = "unemployment"
    death_grant = "death_grant"


class Confidence(StrEnum):
    high = "high"
    medium = "medium"
    low = "low"


class Role(StrEnum):
    admin = "admin"
    legal = "legal"
    delegation = "delegation"
    caisse = "caisse"
    researcher = "researcher"
