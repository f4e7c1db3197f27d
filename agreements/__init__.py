"""Agreements: instruments per country (agreement, administrative arrangement, amendment,
protocol, exchange of letters), the links between them, and their status as of a date."""
