"""Joint commissions and technical meetings: sessions of a country, their agenda, participants,
bilingual minutes edited as revisions, decisions with what they changed, action items followed
from one session to the next, and the bilingual agenda and minutes documents."""
