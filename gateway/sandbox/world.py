"""The deterministic demo world that seeds both sandboxes.

One `build_world(seed)` call returns the same people every time: Mews guests in the documented
`Customer` shape, Fullwhere customers in the documented Partner API shape (all 33 top-level keys
and the metadata blocks of the sources each person came from), the reservations of the guests
staying at `REFERENCE_TIME` (midnight UTC today) and their open items. Tests, the demo mode
and the benchmark all start from it, so it only ever uses `random.Random(seed)` and dates
relative to the reference day: no other clock, no `uuid4`, and no iteration over sets (string
hashing is randomised per process). Ids, names and emails are the same every day.

How the two systems overlap (default world, see `DEFAULT_PLAN`):

- most Fullwhere customers point at their Mews guest through `mewsId`, with the same names and
  emails; a few of them differ on purpose (another phone, an upper-cased or an old email) so the
  gateway has conflicts to show;
- a few have `mewsId` null and carry the link only in `metadata.mews.customer.Id`;
- the other Fullwhere customers have no Mews guest, and the other Mews guests (including a few
  merged, inactive duplicates) have no Fullwhere customer.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import random
import unicodedata
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

from gateway.sandbox.mews import CUSTOMER_KEYS
from gateway.upstream import fullwhere_types as fw
from gateway.upstream import mews_types as mt

_T = TypeVar("_T")

# ---------------------------------------------------------------------------------------------
# Fixed points
# ---------------------------------------------------------------------------------------------


def reference_time(today: dt.date | None = None) -> dt.datetime:
    """Midnight UTC starting `today` (by default the current UTC date).

    Every date of the world is drawn relative to it, so the demo's "now" is today (the guests
    staying across it are staying right now) while a day's worlds stay identical, and the ids
    (drawn independently of dates) are the same every day.
    """
    day = today or dt.datetime.now(dt.UTC).date()
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


REFERENCE_TIME = reference_time()
"""The world's "now": guests are staying across it, everything else happened before it."""

DEFAULT_SEED = 2026
_OLDEST_AGE_DAYS = 29_524  # the oldest person's age in days: 80 years and 10 months
DEFAULT_FULLWHERE_COUNT = 300
DEFAULT_MEWS_COUNT = 320

CHAIN_ID = "6c3e1a52-8f0b-4d7e-9a41-2b57d0c9e813"
"""`ChainId` of every Mews guest (one chain, one property)."""

CURRENCY = "EUR"
"""The property is in Paris: open items are in euros with French tax rates."""

# ---------------------------------------------------------------------------------------------
# Documented shapes and enums: the upstream record types hold them, the world uses them
# ---------------------------------------------------------------------------------------------

FULLWHERE_CUSTOMER_KEYS: tuple[str, ...] = tuple(fw.FullwhereCustomer.__annotations__)

METADATA_SOURCES: tuple[str, ...] = fw.METADATA_SOURCES

DATA_SOURCE_LABELS: dict[str, str] = {
    "googleMyBusiness": "Google", "zelty": "Zelty", "zenchef": "Zenchef", "juxta": "Juxta",
    "salesforce": "Salesforce", "deliveroo": "Deliveroo", "tripadvisor": "Tripadvisor",
    "booking": "Booking", "ubereats": "UberEats", "sevenrooms": "SevenRooms",
    "facebook": "Facebook", "instagram": "Instagram", "whatsapp": "WhatsApp", "mews": "Mews",
    "oracle": "Oracle", "partouche": "Partouche", "como": "Como", "experience": "Experience",
    "autoGestion": "AutoGestion", "theFork": "TheFork", "import": "Import",
}  # fmt: skip
"""`dataSources` entry for each metadata block (the docs show only "Google")."""

FULLWHERE_CUSTOMER_TYPE = "Unknown"
"""The only `type` value the docs show; every demo customer uses it."""

MEWS_CUSTOMER_KEYS = CUSTOMER_KEYS
"""Keys of a Mews `Customer`, in the order of the `customers/getAll` response example."""

MEWS_ADDRESS_KEYS: tuple[str, ...] = tuple(mt.MewsAddress.__annotations__)

MEWS_DOCUMENT_KEYS: tuple[str, ...] = tuple(mt.MewsIdentityDocument.__annotations__)
"""Keys of a Mews `Identity document` (returned when `Extent.Documents` is true)."""

MEWS_SEXES: tuple[str, ...] = mt.SEXES

MEWS_CLASSIFICATIONS: tuple[str, ...] = mt.CLASSIFICATIONS
MEWS_OPTIONS: tuple[str, ...] = mt.OPTIONS
MEWS_SPACE_FEATURES: tuple[str, ...] = (
    "SeaView", "RiverView", "OceanView", "TwinBeds", "DoubleBed", "RollawayBed", "UpperBed",
    "LowerBed", "Balcony", "AccessibleBathroom", "AccessibleRoom", "ElevatorAccess", "HighFloor",
    "Kitchenette", "AirConditioning", "PrivateJacuzzi", "PrivateSauna", "EnsuiteRoom",
    "PrivateBathroom", "SharedBathroom",
)  # fmt: skip
MEWS_DOCUMENT_TYPES: tuple[str, ...] = ("IdentityCard", "Passport", "Visa", "DriversLicense")
MEWS_RESERVATION_STATES: tuple[str, ...] = mt.RESERVATION_STATES
MEWS_RESERVATION_ORIGINS: tuple[str, ...] = (
    "Distributor", "ChannelManager", "Import", "Connector", "Navigator", "CommanderInPerson",
    "CommanderChannel", "CommanderPhone", "CommanderEmail", "CommanderWebsite",
    "CommanderMessage", "CommanderCallCenter", "CommanderRoomingList",
)  # fmt: skip

MEWS_RESERVATION_KEYS: tuple[str, ...] = tuple(mt.MewsReservation.__annotations__)
"""Keys of a Mews `Reservation (ver 2017-04-12)`, the shape `customers/search` embeds."""

MEWS_ORDER_ITEM_KEYS: tuple[str, ...] = (
    "Id", "AccountId", "OrderId", "BillId", "AccountingCategoryId", "Amount", "RevenueType",
    "ConsumedUtc", "ClosedUtc", "AccountingState", "Data",
)  # fmt: skip
"""Keys of an order item in the `customers/getOpenItems` response example."""

MEWS_PAYMENT_ITEM_KEYS: tuple[str, ...] = tuple(
    key for key in mt.MewsPaymentItem.__annotations__ if key != "AmountDefault"
)
"""Keys of a payment item, without the deprecated `AmountDefault`."""

# ---------------------------------------------------------------------------------------------
# The plan: how many of each kind
# ---------------------------------------------------------------------------------------------

LINKED_BY_MEWS_ID_RATIO = 0.75
LINKED_BY_METADATA_COUNT = 5
MERGED_COUNT = 5
PHONE_CONFLICT_COUNT = 6
EMAIL_CONFLICT_COUNT = 6
STAYING_COUNT = 15
CONFIRMED_COUNT = 5
OPEN_ITEMS_COUNT = 30
COMPANY_COUNT = 5
ROOM_COUNT = 24


@dataclass(frozen=True)
class WorldPlan:
    """How many records of each kind a world of a given size holds."""

    fullwhere: int
    mews: int
    linked_by_mews_id: int
    linked_by_metadata: int
    merged: int
    phone_conflicts: int
    email_conflicts: int
    staying: int
    confirmed: int
    open_items: int

    @property
    def linked(self) -> int:
        return self.linked_by_mews_id + self.linked_by_metadata

    @property
    def fullwhere_only(self) -> int:
        return self.fullwhere - self.linked

    @property
    def mews_only(self) -> int:
        """Mews guests no Fullwhere customer points at (merged duplicates included)."""
        return self.mews - self.linked


def plan_world(fullwhere_count: int, mews_count: int) -> WorldPlan:
    """The counts `build_world` produces for these sizes (the ratios scale down gracefully)."""
    if fullwhere_count < 0 or mews_count < 0:
        raise ValueError("counts must not be negative")
    merged = min(MERGED_COUNT, mews_count // 20)
    active = mews_count - merged
    by_metadata = min(LINKED_BY_METADATA_COUNT, fullwhere_count // 20, active)
    by_id = min(round(fullwhere_count * LINKED_BY_MEWS_ID_RATIO), active - by_metadata)
    by_id = min(by_id, fullwhere_count - by_metadata)
    phone_conflicts = min(PHONE_CONFLICT_COUNT, by_id // 10)
    email_conflicts = min(EMAIL_CONFLICT_COUNT, (by_id - phone_conflicts) // 10)
    staying = min(STAYING_COUNT, active // 8)
    confirmed = min(CONFIRMED_COUNT, active // 20)
    open_items = min(OPEN_ITEMS_COUNT, active // 4)
    return WorldPlan(
        fullwhere=fullwhere_count,
        mews=mews_count,
        linked_by_mews_id=by_id,
        linked_by_metadata=by_metadata,
        merged=merged,
        phone_conflicts=phone_conflicts,
        email_conflicts=email_conflicts,
        staying=staying,
        confirmed=confirmed,
        open_items=max(open_items, staying),
    )


DEFAULT_PLAN = plan_world(DEFAULT_FULLWHERE_COUNT, DEFAULT_MEWS_COUNT)
LINKED_BY_MEWS_ID_COUNT = DEFAULT_PLAN.linked_by_mews_id
LINKED_COUNT = DEFAULT_PLAN.linked
FULLWHERE_ONLY_COUNT = DEFAULT_PLAN.fullwhere_only
MEWS_ONLY_COUNT = DEFAULT_PLAN.mews_only

# ---------------------------------------------------------------------------------------------
# The world
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    """Everything the sandboxes serve. Records are plain JSON-ready dicts in upstream shape."""

    fullwhere_customers: list[dict[str, Any]]
    mews_customers: list[dict[str, Any]]
    mews_reservations: list[dict[str, Any]]
    mews_open_items: dict[str, dict[str, Any]]
    mews_documents: list[dict[str, Any]] = field(default_factory=list)
    """Identity documents of the guests (what `Extent.Documents` returns)."""
    mews_resources: list[dict[str, Any]] = field(default_factory=list)
    """Rooms (`{"Id", "Name", "Floor"}`): `AssignedResourceId` of reservations points here."""
    mews_companies: list[dict[str, Any]] = field(default_factory=list)
    """Companies (`{"Id", "Name"}`): `CompanyId` of guests points here."""
    seed: int = DEFAULT_SEED


# ---------------------------------------------------------------------------------------------
# Locale data
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _City:
    name: str
    postal_codes: tuple[str, ...]
    subdivision: str
    lat: float
    lng: float


@dataclass(frozen=True)
class _Country:
    code: str
    language: str  # Mews culture code, e.g. "fr-FR"
    continent: str
    name_en: str
    name_fr: str
    weight: int
    male: tuple[str, ...]
    female: tuple[str, ...]
    # Last names as (male form, female form): Czech surnames take a feminine form.
    last: tuple[tuple[str, str], ...]
    cities: tuple[_City, ...]
    streets: tuple[str, ...]
    street_format: str  # "{n} {street}" or "{street} {n}"
    email_domains: tuple[str, ...]
    old_email_domains: tuple[str, ...]
    phone: Callable[[random.Random], str]


def _digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randrange(10)) for _ in range(n))


def _same(*names: str) -> tuple[tuple[str, str], ...]:
    return tuple((name, name) for name in names)


_COUNTRIES: tuple[_Country, ...] = (
    _Country(
        code="FR", language="fr-FR", continent="Europe", name_en="France", name_fr="France",
        weight=30,
        male=("Jean", "Pierre", "Louis", "Hugo", "Thomas", "Nicolas", "Antoine", "Julien",
              "Mathieu", "Olivier", "François", "Étienne"),
        female=("Marie", "Camille", "Léa", "Chloé", "Manon", "Sophie", "Claire", "Isabelle",
                "Élodie", "Juliette", "Hélène", "Margaux"),
        last=_same("Martin", "Bernard", "Dubois", "Durand", "Lefebvre", "Moreau", "Laurent",
                   "Girard", "Rousseau", "Fontaine", "Lemoine", "Chevalier", "Garnier", "Faure",
                   "Mercier", "Blanc"),
        cities=(
            _City("Paris", ("75003", "75011", "75015", "75017"), "FR-IDF", 48.8566, 2.3522),
            _City("Lyon", ("69002", "69003", "69006"), "FR-ARA", 45.7640, 4.8357),
            _City("Marseille", ("13001", "13006", "13008"), "FR-PAC", 43.2965, 5.3698),
            _City("Bordeaux", ("33000", "33800"), "FR-NAQ", 44.8378, -0.5792),
            _City("Nantes", ("44000", "44100"), "FR-PDL", 47.2184, -1.5536),
            _City("Lille", ("59000", "59800"), "FR-HDF", 50.6292, 3.0573),
            _City("Cannes", ("06400",), "FR-PAC", 43.5528, 7.0174),
        ),
        streets=("rue de la République", "avenue Jean Jaurès", "boulevard Voltaire",
                 "rue Victor Hugo", "rue du Faubourg Saint-Antoine", "avenue des Ternes",
                 "rue de la Paix", "quai des Chartrons"),
        street_format="{n} {street}",
        email_domains=("orange.fr", "free.fr", "laposte.net", "gmail.com", "hotmail.fr", "sfr.fr"),
        old_email_domains=("wanadoo.fr", "club-internet.fr", "aol.fr"),
        phone=lambda rng: f"+33{rng.choice('67')}{_digits(rng, 8)}",
    ),
    _Country(
        code="GB", language="en-GB", continent="Europe", name_en="United Kingdom",
        name_fr="Royaume-Uni", weight=15,
        male=("James", "Oliver", "George", "Harry", "William", "Thomas", "Jack", "Daniel",
              "Samuel", "Edward"),
        female=("Emily", "Olivia", "Charlotte", "Sophie", "Amelia", "Jessica", "Hannah", "Lucy",
                "Grace", "Eleanor"),
        last=_same("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson",
                   "Davies", "Robinson", "Wright", "Thompson", "Evans", "Walker", "Hughes"),
        cities=(
            _City("London", ("SW1A 2AA", "EC1V 9HX", "N1 9GU", "SE1 7PB"), "GB-ENG", 51.5074,
                  -0.1278),
            _City("Manchester", ("M1 1AE", "M4 5JD"), "GB-ENG", 53.4808, -2.2426),
            _City("Edinburgh", ("EH1 1YZ", "EH3 9DR"), "GB-SCT", 55.9533, -3.1883),
            _City("Bristol", ("BS1 4DJ", "BS8 1TH"), "GB-ENG", 51.4545, -2.5879),
            _City("Cardiff", ("CF10 1EP",), "GB-WLS", 51.4816, -3.1791),
        ),
        streets=("Baker Street", "High Street", "Station Road", "Church Lane", "Victoria Road",
                 "Park Avenue", "King's Road"),
        street_format="{n} {street}",
        email_domains=("gmail.com", "btinternet.com", "outlook.com", "yahoo.co.uk", "sky.com"),
        old_email_domains=("hotmail.co.uk", "aol.co.uk", "tiscali.co.uk"),
        phone=lambda rng: f"+447{_digits(rng, 9)}",
    ),
    _Country(
        code="DE", language="de-DE", continent="Europe", name_en="Germany", name_fr="Allemagne",
        weight=12,
        male=("Lukas", "Maximilian", "Felix", "Jonas", "Leon", "Paul", "Tobias", "Stefan",
              "Matthias", "Florian"),
        female=("Anna", "Laura", "Lena", "Julia", "Katharina", "Sophie", "Hannah", "Lea",
                "Sarah", "Johanna"),
        last=_same("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner",
                   "Becker", "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf"),
        cities=(
            _City("Berlin", ("10115", "10178", "10997"), "DE-BE", 52.5200, 13.4050),
            _City("München", ("80331", "80469"), "DE-BY", 48.1351, 11.5820),
            _City("Hamburg", ("20095", "22767"), "DE-HH", 53.5511, 9.9937),
            _City("Köln", ("50667", "50672"), "DE-NW", 50.9375, 6.9603),
            _City("Frankfurt am Main", ("60311", "60594"), "DE-HE", 50.1109, 8.6821),
        ),
        streets=("Hauptstraße", "Bahnhofstraße", "Gartenstraße", "Schillerstraße",
                 "Goethestraße", "Lindenallee"),
        street_format="{street} {n}",
        email_domains=("gmx.de", "web.de", "t-online.de", "gmail.com", "posteo.de"),
        old_email_domains=("freenet.de", "arcor.de", "yahoo.de"),
        phone=lambda rng: f"+491{rng.choice(('51', '52', '60', '62', '76'))}{_digits(rng, 8)}",
    ),
    _Country(
        code="IT", language="it-IT", continent="Europe", name_en="Italy", name_fr="Italie",
        weight=12,
        male=("Marco", "Luca", "Giuseppe", "Alessandro", "Matteo", "Francesco", "Lorenzo",
              "Davide", "Stefano", "Andrea"),
        female=("Giulia", "Francesca", "Chiara", "Sara", "Valentina", "Alessia", "Martina",
                "Elena", "Federica", "Sofia"),
        last=_same("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo",
                   "Ricci", "Marino", "Greco", "Bruno", "Gallo", "Conti", "De Luca"),
        cities=(
            _City("Roma", ("00184", "00153", "00197"), "IT-RM", 41.9028, 12.4964),
            _City("Milano", ("20121", "20144"), "IT-MI", 45.4642, 9.1900),
            _City("Torino", ("10121", "10128"), "IT-TO", 45.0703, 7.6869),
            _City("Napoli", ("80121", "80134"), "IT-NA", 40.8518, 14.2681),
            _City("Firenze", ("50122", "50125"), "IT-FI", 43.7696, 11.2558),
        ),
        streets=("Via Roma", "Corso Vittorio Emanuele II", "Via Garibaldi", "Via Dante Alighieri",
                 "Via Torino", "Via Cavour"),
        street_format="{street} {n}",
        email_domains=("libero.it", "virgilio.it", "gmail.com", "alice.it", "tiscali.it"),
        old_email_domains=("tin.it", "inwind.it", "yahoo.it"),
        phone=lambda rng: f"+393{rng.choice('2345')}{_digits(rng, 8)}",
    ),
    _Country(
        code="ES", language="es-ES", continent="Europe", name_en="Spain", name_fr="Espagne",
        weight=10,
        male=("Javier", "Carlos", "Pablo", "Alejandro", "Diego", "Sergio", "Miguel", "Álvaro",
              "Daniel", "Manuel"),
        female=("Lucía", "María", "Carmen", "Laura", "Paula", "Marta", "Elena", "Sara", "Ana",
                "Cristina"),
        last=_same("García", "Fernández", "González", "Rodríguez", "López", "Martínez",
                   "Sánchez", "Pérez", "Gómez", "Martín", "Jiménez", "Ruiz", "Hernández",
                   "Díaz"),
        cities=(
            _City("Madrid", ("28013", "28004", "28010"), "ES-M", 40.4168, -3.7038),
            _City("Barcelona", ("08002", "08008", "08012"), "ES-B", 41.3851, 2.1734),
            _City("Valencia", ("46002", "46004"), "ES-V", 39.4699, -0.3763),
            _City("Sevilla", ("41004", "41001"), "ES-SE", 37.3891, -5.9845),
            _City("Bilbao", ("48001", "48009"), "ES-BI", 43.2630, -2.9350),
        ),
        streets=("Calle Mayor", "Gran Vía", "Calle de Alcalá", "Paseo de Gracia",
                 "Avenida de la Constitución", "Calle Serrano"),
        street_format="{street} {n}",
        email_domains=("gmail.com", "hotmail.es", "yahoo.es", "telefonica.net", "outlook.es"),
        old_email_domains=("terra.es", "ya.com", "wanadoo.es"),
        phone=lambda rng: f"+346{_digits(rng, 8)}",
    ),
    _Country(
        code="CZ", language="cs-CZ", continent="Europe", name_en="Czechia", name_fr="Tchéquie",
        weight=10,
        male=("Jan", "Petr", "Tomáš", "Martin", "Jakub", "Lukáš", "Ondřej", "Jiří", "Pavel",
              "Vojtěch"),
        female=("Eva", "Tereza", "Kateřina", "Lucie", "Anna", "Veronika", "Markéta", "Barbora",
                "Petra", "Klára"),
        last=(("Novák", "Nováková"), ("Svoboda", "Svobodová"), ("Dvořák", "Dvořáková"),
              ("Černý", "Černá"), ("Procházka", "Procházková"), ("Kučera", "Kučerová"),
              ("Veselý", "Veselá"), ("Horák", "Horáková"), ("Němec", "Němcová"),
              ("Marek", "Marková"), ("Pokorný", "Pokorná"), ("Král", "Králová")),
        cities=(
            _City("Praha", ("110 00", "120 00", "170 00"), "CZ-10", 50.0755, 14.4378),
            _City("Brno", ("602 00", "612 00"), "CZ-64", 49.1951, 16.6068),
            _City("Ostrava", ("702 00",), "CZ-80", 49.8209, 18.2625),
            _City("Plzeň", ("301 00",), "CZ-32", 49.7384, 13.3736),
        ),
        streets=("Vinohradská", "Národní", "Masarykova", "Husova", "Palackého", "Karlova"),
        street_format="{street} {n}",
        email_domains=("seznam.cz", "email.cz", "centrum.cz", "gmail.com", "volny.cz"),
        old_email_domains=("atlas.cz", "quick.cz", "post.cz"),
        phone=lambda rng: f"+420{rng.choice('67')}{_digits(rng, 8)}",
    ),
    _Country(
        code="US", language="en-US", continent="North America", name_en="United States",
        name_fr="États-Unis", weight=11,
        male=("Michael", "John", "David", "Christopher", "Ryan", "Andrew", "Joshua", "Kevin",
              "Brian", "Nathan"),
        female=("Jennifer", "Sarah", "Ashley", "Emily", "Megan", "Rachel", "Lauren", "Nicole",
                "Amanda", "Madison"),
        last=_same("Miller", "Anderson", "Clark", "Lewis", "Walker", "Young", "Allen", "King",
                   "Scott", "Green", "Baker", "Carter", "Mitchell", "Turner"),
        cities=(
            _City("New York", ("10001", "10011", "10024"), "US-NY", 40.7128, -74.0060),
            _City("Boston", ("02108", "02116"), "US-MA", 42.3601, -71.0589),
            _City("Chicago", ("60601", "60614"), "US-IL", 41.8781, -87.6298),
            _City("San Francisco", ("94103", "94110"), "US-CA", 37.7749, -122.4194),
            _City("Austin", ("78701", "78704"), "US-TX", 30.2672, -97.7431),
        ),
        streets=("Fifth Avenue", "Main Street", "Oak Street", "Maple Avenue", "Park Place",
                 "Lexington Avenue"),
        street_format="{n} {street}",
        email_domains=("gmail.com", "yahoo.com", "outlook.com", "icloud.com", "comcast.net"),
        old_email_domains=("aol.com", "hotmail.com", "earthlink.net"),
        phone=lambda rng: (
            f"+1{rng.choice(('212', '617', '312', '415', '512', '646'))}"
            f"{rng.randrange(2, 10)}{_digits(rng, 6)}"
        ),
    ),
)  # fmt: skip

_BY_CODE = {country.code: country for country in _COUNTRIES}

_COMPANIES: tuple[tuple[str, str], ...] = (
    ("Aurelis Conseil SAS", "aurelis-conseil.fr"),
    ("Nordhavn Shipping A/S", "nordhavn-shipping.dk"),
    ("Vantaro Pharma GmbH", "vantaro-pharma.de"),
    ("Brightwell Analytics Ltd", "brightwell-analytics.co.uk"),
    ("Castellane Events SARL", "castellane-events.fr"),
    ("Orbis Media Group", "orbismedia.example"),
)

_OCCUPATIONS = (
    "Architect", "Engineer", "Consultant", "Teacher", "Doctor", "Lawyer", "Photographer",
    "Journalist", "Software developer", "Sales manager", "Pharmacist", "Designer", "Student",
    "Retired", "Accountant", "Chef",
)  # fmt: skip

_MEWS_NOTES = (
    "Prefers a quiet room away from the lift.", "Allergic to feathers: synthetic pillows.",
    "Late check-in, usually after 23:00.", "Celebrating an anniversary: champagne on arrival.",
    "Travels with a small dog.", "Needs an invoice with the company VAT number.",
    "Asked for extra towels on previous stays.", "Check-in notturno.",
    "Bevorzugt ein Zimmer mit Badewanne.", "Prefiere habitación en planta alta.",
    "Vegetarian breakfast.", "Frequent guest: offer the welcome drink.",
)  # fmt: skip

_FULLWHERE_DESCRIPTIONS = (
    "Client fidèle, préfère la terrasse.", "Vient souvent en famille le dimanche midi.",
    "Allergie aux fruits à coque.", "Client d'affaires, réserve pour des groupes.",
    "A laissé un avis très positif sur Google.", "Ne souhaite pas être placé près de la porte.",
    "Habitué du bar à cocktails.", "Anniversaire en juin.", "Commande surtout en livraison.",
    "Ancien client de l'hôtel, à recontacter pour la saison.",
)  # fmt: skip

_DIETARY = ("Vegan", "Vegetarian", "Halal", "Kosher", "Gluten-free", "Lactose-free")

_TAGS: tuple[tuple[str, str], ...] = (
    ("VIP", "#D4AF37"), ("Habitué", "#22C55E"), ("Newsletter", "#3B82F6"),
    ("Allergies", "#EF4444"), ("Corporate", "#6366F1"), ("Anniversaire", "#EC4899"),
    ("Client hôtel", "#0EA5E9"), ("No-show", "#F97316"),
)  # fmt: skip

_RESTAURANTS = (
    "Le Comptoir du Marché", "Brasserie des Ternes", "La Table d'Hugo", "Osteria Bianchi",
    "Le Petit Zinc", "Maison Lemoine", "Café de la Gare", "Le Bistrot du Port",
)  # fmt: skip

_CASINOS = (
    "Casino de Forges-les-Eaux", "Casino 3.14 Cannes", "Pasino Aix-en-Provence",
    "Casino de Pornic", "Casino de La Roche-Posay", "Casino de Boulogne-sur-Mer",
)  # fmt: skip

_DENTAL_CENTRES = (
    "Centre dentaire Paris Nation", "Centre dentaire Lyon Part-Dieu",
    "Centre dentaire Marseille Prado", "Centre dentaire Lille Flandres",
)  # fmt: skip

_FOODS = ("Tartare de bœuf", "Risotto aux cèpes", "Sole meunière", "Burrata", "Magret de canard")
_DRINKS = ("Chablis", "Spritz", "Côtes du Rhône", "Negroni", "Eau pétillante", "Champagne")
_SEATING = ("Terrasse", "Près de la fenêtre", "Salle du fond", "Comptoir", "Banquette")
_ALLERGIES = ("Fruits à coque", "Gluten", "Lactose", "Crustacés", "Arachides", "Œufs")

# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


def _iso_z(moment: dt.datetime) -> str:
    """Mews datetime: `YYYY-MM-DDThh:mm:ssZ`."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _iso_ms(moment: dt.datetime) -> str:
    """Fullwhere datetime: ISO 8601 with milliseconds and `Z`."""
    moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _ascii(text: str) -> str:
    """Lower-case ASCII letters of a name, for emails, handles and usernames."""
    text = text.replace("ß", "ss").replace("Œ", "Oe").replace("œ", "oe")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if ch.isascii() and ch.isalnum()).lower()


def _money(cents: int) -> float:
    return round(cents / 100, 2)


class _Rand:
    """`random.Random` plus the few draws the world needs."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, items: Sequence[_T]) -> _T:
        return items[self.rng.randrange(len(items))]

    def some(self, items: Sequence[_T], low: int, high: int) -> list[_T]:
        count = self.rng.randint(low, min(high, len(items)))
        return self.rng.sample(list(items), count)

    def num(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def digits(self, n: int) -> str:
        return _digits(self.rng, n)

    def letters(self, n: int) -> str:
        return "".join(self.rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(n))

    def moment_between(self, start: dt.datetime, end: dt.datetime) -> dt.datetime:
        span = max(int((end - start).total_seconds()), 1)
        micro = self.rng.randrange(1000) * 1000
        return start + dt.timedelta(seconds=self.rng.randrange(span), microseconds=micro)

    def days_ago(self, low: float, high: float) -> dt.datetime:
        return self.moment_between(
            REFERENCE_TIME - dt.timedelta(days=high), REFERENCE_TIME - dt.timedelta(days=low)
        )


# ---------------------------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------------------------


@dataclass
class _Person:
    country: _Country
    sex: str
    title: str
    first: str
    last: str
    second_last: str | None
    birth: dt.date
    city: _City
    postal_code: str
    street_name: str
    street_number: str
    line2: str | None
    lat: float
    lng: float
    email: str | None
    phone: str | None
    company: tuple[str, str] | None  # (id, name)
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def street_line(self) -> str:
        return self.country.street_format.format(n=self.street_number, street=self.street_name)

    @property
    def age(self) -> int:
        ref = REFERENCE_TIME.date()
        before_birthday = (ref.month, ref.day) < (self.birth.month, self.birth.day)
        return ref.year - self.birth.year - before_birthday


class _People:
    """Draws people and keeps emails unique (Mews finds duplicates by email)."""

    def __init__(self, rand: _Rand, companies: list[dict[str, Any]]) -> None:
        self.rand = rand
        self.companies = companies
        self.emails: dict[str, None] = {}  # a dict, not a set: ordered and hash-seed free
        self._weights = [country.weight for country in _COUNTRIES]

    def country(self, french_bias: bool = False) -> _Country:
        if french_bias and self.rand.chance(0.5):
            return _BY_CODE["FR"]
        return self.rand.rng.choices(_COUNTRIES, weights=self._weights)[0]

    def unique_email(self, local: str, domain: str) -> str:
        candidate = f"{local}@{domain}"
        counter = 1
        while candidate in self.emails:
            counter += 1
            candidate = f"{local}{counter}@{domain}"
        self.emails[candidate] = None
        return candidate

    def email_for(self, first: str, last: str, domain: str) -> str:
        f, l_ = _ascii(first), _ascii(last)
        pattern = self.rand.num(0, 4)
        if pattern == 0:
            local = f"{f}.{l_}"
        elif pattern == 1:
            local = f"{f[0]}{l_}"
        elif pattern == 2:
            local = f"{f}.{l_}{self.rand.num(60, 99)}"
        elif pattern == 3:
            local = f"{f}{l_[:1]}"
        else:
            local = f"{l_}.{f}"
        return self.unique_email(local, domain)

    def make(
        self,
        *,
        french_bias: bool = False,
        company: dict[str, Any] | None = None,
        company_ratio: float = 0.0,
    ) -> _Person:
        """A new person; `company` (or, by chance, one of the companies) employs them."""
        r = self.rand
        country = self.country(french_bias)
        sex = r.pick(MEWS_SEXES)
        first = r.pick(country.male if sex == "Male" else country.female)
        male_last, female_last = r.pick(country.last)
        last = male_last if sex == "Male" else female_last
        second_last = r.pick(country.last)[0] if country.code == "ES" else None
        # Aged 22 to 80: relative to the reference day, so ages (and the draws that depend
        # on them) are the same whatever the day.
        oldest = REFERENCE_TIME.date() - dt.timedelta(days=_OLDEST_AGE_DAYS)
        birth = oldest + dt.timedelta(days=r.num(0, 365 * 58))
        age = (REFERENCE_TIME.date() - birth).days // 365
        # Title follows sex; "Misses" (Mrs.) for some women over thirty.
        title = "Mister" if sex == "Male" else "Miss"
        if sex == "Female" and age >= 30 and r.chance(0.55):
            title = "Misses"
        city = r.pick(country.cities)
        line2 = None
        if r.chance(0.15):
            line2 = {
                "FR": f"Bâtiment {r.pick('ABC')}, {r.num(1, 7)}e étage",
                "US": f"Apt {r.num(1, 20)}{r.pick('ABCD')}",
                "GB": f"Flat {r.num(1, 30)}",
                "CZ": f"{r.num(1, 6)}. patro",
                "ES": f"{r.num(1, 8)}º {r.pick('ABCD')}",
            }.get(country.code)
        if company is None and self.companies and r.chance(company_ratio):
            company = r.pick(self.companies)
        domain = r.pick(country.email_domains)
        if company is not None:
            if r.chance(0.6):
                domain = str(company["Domain"])
        elif r.chance(0.08):
            domain = "guest.booking.com"
        if domain == "guest.booking.com":
            local = f"{_ascii(first)[:1]}{_ascii(last)[:6]}.{r.digits(6)}"
            email = self.unique_email(local, domain)
        else:
            email = self.email_for(first, last, domain)
        return _Person(
            country=country,
            sex=sex,
            title=title,
            first=first,
            last=last,
            second_last=second_last,
            birth=birth,
            city=city,
            postal_code=r.pick(city.postal_codes),
            street_name=r.pick(country.streets),
            street_number=str(r.num(1, 180)),
            line2=line2,
            lat=round(city.lat + r.rng.uniform(-0.04, 0.04), 6),
            lng=round(city.lng + r.rng.uniform(-0.06, 0.06), 6),
            email=email,
            phone=country.phone(r.rng) if r.chance(0.93) else None,
            company=(str(company["Id"]), str(company["Name"])) if company else None,
        )


# ---------------------------------------------------------------------------------------------
# Mews guests
# ---------------------------------------------------------------------------------------------


def _passport_number(r: _Rand, code: str) -> str:
    return {
        "FR": f"{r.digits(2)}{r.letters(2)}{r.digits(5)}",
        "GB": r.digits(9),
        "DE": f"C{r.letters(1)}{r.digits(2)}{r.letters(1)}{r.digits(4)}",
        "IT": f"Y{r.letters(1)}{r.digits(7)}",
        "ES": f"PA{r.letters(1)}{r.digits(6)}",
        "CZ": r.digits(8),
        "US": f"5{r.digits(8)}",
    }[code]


def _identity_card_number(r: _Rand, code: str) -> str:
    return {
        "FR": f"{r.letters(1)}{r.digits(2)}{r.letters(1)}{r.digits(5)}",
        "GB": f"{r.letters(2)}{r.digits(6)}",
        "DE": f"L{r.letters(1)}{r.digits(7)}",
        "IT": f"CA{r.digits(5)}{r.letters(2)}",
        "ES": f"{r.digits(8)}{r.letters(1)}",
        "CZ": r.digits(9),
        "US": f"D{r.digits(8)}",
    }[code]


def _car_plate(r: _Rand, code: str) -> str:
    return {
        "FR": f"{r.letters(2)}-{r.digits(3)}-{r.letters(2)}",
        "GB": f"{r.letters(2)}{r.digits(2)} {r.letters(3)}",
        "DE": f"{r.pick(('B', 'M', 'HH', 'K', 'F'))}-{r.letters(2)} {r.num(1, 9999)}",
        "IT": f"{r.letters(2)} {r.digits(3)}{r.letters(2)}",
        "ES": f"{r.digits(4)} {r.letters(3)}",
        "CZ": f"{r.num(1, 9)}{r.letters(2)} {r.digits(4)}",
        "US": f"{r.num(1, 9)}{r.letters(3)}{r.digits(3)}",
    }[code]


def _italian_fiscal_code(r: _Rand, person: _Person) -> str:
    def consonants(name: str) -> str:
        letters = _ascii(name).upper()
        picked = [c for c in letters if c not in "AEIOU"] + [c for c in letters if c in "AEIOU"]
        return ("".join(picked) + "XXX")[:3]

    day = person.birth.day + (40 if person.sex == "Female" else 0)
    month = "ABCDEHLMPRST"[person.birth.month - 1]
    town = r.pick(("H501", "F205", "L219", "F839", "D612"))
    return (
        f"{consonants(person.last)}{consonants(person.first)}{person.birth.year % 100:02d}"
        f"{month}{day:02d}{town}{r.letters(1)}"
    )


def _documents(r: _Rand, person: _Person, customer_id: str, force: bool) -> list[dict[str, Any]]:
    if not force and not r.chance(0.3):
        return []
    code = person.country.code
    kinds = ["Passport"] if code in ("GB", "US") or r.chance(0.5) else ["IdentityCard"]
    if r.chance(0.12):
        kinds.append("DriversLicense")
    if code == "US" and r.chance(0.3):
        kinds.append("Visa")
    documents = []
    for kind in kinds:
        issued = REFERENCE_TIME.date() - dt.timedelta(days=r.num(60, 365 * 9))
        years = 10 if kind in ("Passport", "IdentityCard") else 15
        if kind == "Visa":
            years = 2
        number = {
            "Passport": _passport_number,
            "IdentityCard": _identity_card_number,
        }.get(kind, _identity_card_number)(r, code)
        documents.append(
            {
                "Id": r.uuid(),
                "CustomerId": customer_id,
                "Type": kind,
                "Number": number,
                "Expiration": issued.replace(year=issued.year + years).isoformat()
                if not (issued.month == 2 and issued.day == 29)
                else issued.replace(year=issued.year + years, day=28).isoformat(),
                "Issuance": issued.isoformat(),
                "IssuingCountryCode": "FR" if kind == "Visa" else code,
                "IssuingCountrySubdivisionCode": person.city.subdivision
                if kind == "DriversLicense"
                else None,
                "IssuingCity": "Paris" if kind == "Visa" else person.city.name,
                "IdentityDocumentSupportNumber": f"{r.letters(3)}{r.digits(6)}"
                if code == "ES" and kind == "IdentityCard"
                else None,
            }
        )
    return documents


def _classifications(r: _Rand, loyalty: bool) -> list[str]:
    found: list[str] = []
    if r.chance(0.45):
        found.append("Returning")
    if loyalty:
        found.append("LoyaltyProgram")
    if r.chance(0.08):
        found.append(r.pick(("Important", "VeryImportant")))
    if r.chance(0.10):
        found.append(
            r.pick(
                (
                    "Media", "PreviousComplaint", "FriendOrFamily", "TopManagement", "Staff",
                    "DisabledPerson", "Airline", "Student", "Problematic", "Military",
                    "HealthCompliant", "Cashlist", "Blocklist", "PaymasterAccount",
                )
            )
        )  # fmt: skip
    return found


def _options(r: _Rand) -> list[str]:
    found: list[str] = []
    if r.chance(0.55):
        found.append("SendMarketingEmails")
    for option, p in (
        ("Invoiceable", 0.12),
        ("SendMarketingPostalMail", 0.08),
        ("SendPartnerMarketingEmails", 0.06),
        ("BillAddressObjection", 0.03),
        ("SendPartnerMarketingPostalMail", 0.03),
        ("WithdrawCardConsent", 0.03),
        ("GuestPhotoConsent", 0.05),
        ("IdPhotosConsent", 0.05),
    ):
        if r.chance(p):
            found.append(option)
    return found


class _MewsFactory:
    def __init__(self, rand: _Rand) -> None:
        self.rand = rand
        self.staff = [rand.uuid() for _ in range(6)]
        self.categories = [rand.uuid() for _ in range(3)]
        self.loyalty_codes: dict[str, None] = {}

    def loyalty_code(self) -> str:
        while True:
            code = f"LL{self.rand.digits(6)}"
            if code not in self.loyalty_codes:
                self.loyalty_codes[code] = None
                return code

    def guest(
        self,
        person: _Person,
        *,
        number: str,
        created: dt.datetime,
        with_documents: bool,
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        r = self.rand
        guest_id = r.uuid()
        country = person.country
        code = country.code
        updated = min(
            created + dt.timedelta(seconds=r.num(0, 200 * 86400)),
            REFERENCE_TIME - dt.timedelta(minutes=5),
        )
        updated = max(updated, created)
        address = None
        if r.chance(0.92):
            address_id = r.uuid()
            address = {
                "Id": address_id,
                "Line1": person.street_line,
                "Line2": person.line2,
                "City": person.city.name,
                "PostalCode": person.postal_code,
                "CountryCode": code,
                "CountrySubdivisionCode": person.city.subdivision,
                "Latitude": person.lat if r.chance(0.7) else None,
                "Longitude": None,
            }
            address["Longitude"] = person.lng if address["Latitude"] is not None else None
        loyalty = r.chance(0.2)
        italian = code == "IT"
        fiscal = _italian_fiscal_code(r, person) if italian and r.chance(0.7) else None
        preferred: str | None = country.language
        if r.chance(0.12):
            preferred = "en-GB" if not country.language.startswith("en") else None
        elif r.chance(0.08):
            preferred = None
        documents = _documents(r, person, guest_id, with_documents)
        by_type = {doc["Type"]: doc for doc in documents}
        creator = r.pick(self.staff)
        email = person.email
        guest: dict[str, Any] = {
            "Id": guest_id,
            "ChainId": CHAIN_ID,
            "Number": number,
            "Title": person.title,
            "Sex": person.sex,
            "FirstName": person.first,
            "LastName": person.last,
            "SecondLastName": person.second_last,
            "NationalityCode": code,
            "PreferredLanguageCode": preferred,
            "LanguageCode": country.language,
            "BirthDate": person.birth.isoformat() if r.chance(0.85) else None,
            "BirthCountryCode": code if r.chance(0.5) else None,
            "BirthCountrySubdivisionCode": person.city.subdivision if r.chance(0.2) else None,
            "BirthPlace": person.city.name if r.chance(0.45) else None,
            "Occupation": r.pick(_OCCUPATIONS) if r.chance(0.35) else None,
            "Email": email,
            "HasOtaEmail": bool(email and email.endswith("@guest.booking.com")),
            "Phone": person.phone,
            "TaxIdentificationNumber": fiscal
            if fiscal
            else (f"{code}{r.digits(11)}" if person.company and r.chance(0.5) else None),
            "LoyaltyCode": self.loyalty_code() if loyalty else None,
            "AccountingCode": f"AC{r.digits(5)}" if r.chance(0.15) else None,
            "BillingCode": f"BC-{r.digits(4)}" if r.chance(0.05) else None,
            "Notes": r.pick(_MEWS_NOTES) if r.chance(0.3) else "",
            "CarRegistrationNumber": _car_plate(r, code) if r.chance(0.15) else None,
            "DietaryRequirements": r.pick(_DIETARY) if r.chance(0.1) else None,
            "CreatedUtc": _iso_z(created),
            "UpdatedUtc": _iso_z(updated),
            "Passport": by_type.get("Passport"),
            "IdentityCard": by_type.get("IdentityCard"),
            "Visa": by_type.get("Visa"),
            "DriversLicense": by_type.get("DriversLicense"),
            "Address": address,
            "AddressId": address["Id"] if address else None,
            "Classifications": _classifications(r, loyalty),
            "Options": _options(r),
            "ItalianDestinationCode": r.digits(7) if italian and r.chance(0.4) else None,
            "ItalianFiscalCode": fiscal,
            "ItalianLotteryCode": f"{r.letters(2)}{r.digits(6)}"
            if italian and r.chance(0.3)
            else None,
            "CompanyId": person.company[0] if person.company else None,
            "MergeTargetId": None,
            "ActivityState": "Active",
            "IsActive": True,
            "PreferredSpaceFeatures": r.some(MEWS_SPACE_FEATURES, 0, 2) if r.chance(0.5) else [],
            "CreatorProfileId": creator,
            "UpdaterProfileId": creator if updated == created else r.pick(self.staff),
        }
        # Fields the older Mews customer shape (mirrored in Fullwhere's mews block) still had.
        person.extras.update(
            CitizenNumber=(
                f"{person.birth:%y%m%d}/{r.digits(4)}"
                if code == "CZ"
                else (f"{r.digits(8)}{r.letters(1)}" if code == "ES" else None)
            )
            if r.chance(0.6)
            else None,
            MotherName=f"{r.pick(country.female)} {r.pick(country.last)[1]}"
            if code in ("ES", "IT") and r.chance(0.5)
            else None,
            FatherName=f"{r.pick(country.male)} {r.pick(country.last)[0]}"
            if code in ("ES", "IT") and r.chance(0.5)
            else None,
            CategoryId=r.pick(self.categories) if r.chance(0.3) else None,
            IsUpdatedByMe=r.chance(0.2),
        )
        return guest, documents


# ---------------------------------------------------------------------------------------------
# Fullwhere metadata blocks
# ---------------------------------------------------------------------------------------------


@dataclass
class _Ctx:
    """What a metadata block may need besides the person."""

    rand: _Rand
    person: _Person
    created: dt.datetime
    guest: dict[str, Any] | None = None
    documents: list[dict[str, Any]] = field(default_factory=list)
    showcase: bool = False
    """True for the first block of a source: it takes every optional branch, so each
    documented field is filled somewhere whatever the seed."""

    def often(self, p: float) -> bool:
        """An optional branch: taken with probability `p`, always in a showcase block."""
        return self.showcase or self.rand.chance(p)

    def when(self, low_days: float = 0, high_days: float = 700) -> dt.datetime:
        return self.rand.days_ago(low_days, high_days)


def _email_or_default(p: _Person) -> str:
    return p.email or f"{_ascii(p.first)}.{_ascii(p.last)}@gmail.com"


def _phone_or_default(c: _Ctx) -> str:
    return c.person.phone or c.person.country.phone(c.rand.rng)


def _handle(c: _Ctx) -> str:
    p, r = c.person, c.rand
    return r.pick(
        (
            f"{_ascii(p.first)}.{_ascii(p.last)}",
            f"{_ascii(p.first)}_{_ascii(p.last)[:4]}{r.num(1, 99)}",
            f"{_ascii(p.first)}{_ascii(p.last)}",
        )
    )


def _google(c: _Ctx) -> dict[str, Any]:
    p, r = c.person, c.rand
    anonymous = r.chance(0.1)
    return {
        "displayName": "A Google User" if anonymous else f"{p.first} {p.last[:1]}.",
        "profilePhotoUrl": f"https://lh3.googleusercontent.com/a-/ALV-Uj{r.letters(12)}"
        f"{r.digits(6)}=s120-c-rp-mo-br100",
        "isAnonymous": anonymous,
    }


def _zelty(c: _Ctx) -> dict[str, Any]:
    p, r = c.person, c.rand
    zid = r.num(1_000_000, 9_999_999)
    addresses = []
    for index in range(r.num(1, 2)):
        # The first address is the person's home, a second one their office in France.
        home = index == 0
        city = p.city if home else r.pick(_BY_CODE["FR"].cities)
        street = p.street_name if home else r.pick(_BY_CODE["FR"].streets)
        number = p.street_number if home else str(r.num(1, 120))
        line = p.street_line if home else f"{number} {street}"
        zip_code = p.postal_code if home else r.pick(city.postal_codes)
        addresses.append(
            {
                "id": r.num(100_000, 999_999),
                "remote_id": f"ADR-{r.digits(6)}",
                "name": "Domicile" if home else "Bureau",
                "street": street,
                "street_num": number,
                "zip_code": zip_code,
                "city": city.name,
                "formatted_address": f"{line}, {zip_code} {city.name}",
                "google_id": f"ChIJ{r.letters(10)}{r.digits(8)}",
                "location": [
                    round(city.lat + r.rng.uniform(-0.03, 0.03), 6),
                    round(city.lng + r.rng.uniform(-0.03, 0.03), 6),
                ],
                "address_more": "Sonner à l'interphone" if c.often(0.5) else "",
                "floor": str(r.num(0, 7)),
                "door": r.pick(("A", "B", "Gauche", "Droite", "12")),
                "building": r.pick(("Bât. A", "Bât. B", "Résidence Les Tilleuls", "")),
                "code": f"{r.digits(2)}{r.letters(1)}{r.digits(2)}",
            }
        )
    orders = r.num(1, 60)
    last_order = r.moment_between(c.created, REFERENCE_TIME)
    return {
        "metadata": {"origin": r.pick(("web", "kiosk", "pos", "app"))},
        "id": zid,
        "uuid": r.uuid(),
        "remote_id": f"CLI-{zid}",
        "nice_name": p.full_name,
        "updated_at": last_order.strftime("%Y-%m-%d %H:%M:%S"),
        "name": p.last,
        "fname": p.first,
        "company": p.company[1] if p.company else "",
        "card": f"ZC{r.digits(10)}",
        "phone": _phone_or_default(c),
        "phone2": p.country.phone(r.rng) if c.often(0.3) else None,
        "mail": _email_or_default(p),
        "birthday": p.birth.isoformat(),
        "balance": r.num(0, 40),
        "personal_info": r.pick(("Sans oignons", "Allergie gluten", "Livrer au 2e", "")),
        "loyalty": r.num(0, 900),
        "registration": c.created.strftime("%Y-%m-%d %H:%M:%S"),
        "default_address": addresses[0]["id"],
        "billing_address": addresses[-1]["id"],
        "sms_optin": r.chance(0.4),
        "mail_optin": r.chance(0.6),
        "turnover": orders * r.num(18, 45),
        "nb_orders": orders,
        "last_order_date": last_order.strftime("%Y-%m-%d %H:%M:%S"),
        "other": r.pick(("Client click & collect", "Commande groupée le vendredi", "")),
        "addresses": addresses,
        "country_code": p.country.code,
    }


def _zenchef(c: _Ctx) -> dict[str, Any]:
    p, r = c.person, c.rand
    zid = r.num(10_000_000, 99_999_999)
    restaurant = r.num(300_000, 399_999)
    created = c.created
    bookings = r.num(0, 25)
    optins = [
        {
            "id": r.num(1_000_000, 9_999_999),
            "customer_sheet_id": zid,
            "type": {"slug": slug, "label": label},
            "value": r.chance(0.6),
            "is_last": 1,
            "created_at": c.when(1, 500).strftime("%Y-%m-%d %H:%M:%S"),
        }
        for slug, label in r.some(
            (("market_mail", "Newsletter"), ("review_mail", "Avis"), ("sms", "SMS")), 1, 3
        )
    ]
    retention = r.num(0, 100)
    deleted = c.often(0.08)  # a sheet removed in Zenchef stays in Fullwhere's history
    pro = p.company is not None or c.often(0.05)
    return {
        "id": zid,
        "created_at": created.strftime("%Y-%m-%d %H:%M:%S"),
        "updated_at": c.when(0, 60).strftime("%Y-%m-%d %H:%M:%S"),
        "deleted_at": c.when(0, 90).strftime("%Y-%m-%d %H:%M:%S") if deleted else None,
        "owner_id": r.num(10_000, 99_999),
        "restaurantid": restaurant,
        "restaurant_id": restaurant,
        "retention_rate_label": "Fidèle" if retention > 60 else "Occasionnel",
        "retention_rate": retention,
        "company": p.company[1] if p.company else "",
        "status": "deleted" if deleted else r.pick(("active", "active", "active", "inactive")),
        "account_id": r.num(1000, 9999),
        "customer_social_id": f"fb_{r.digits(15)}" if c.often(0.3) else None,
        "customer_company_id": f"cc_{r.digits(6)}" if pro else None,
        "lastname": p.last,
        "firstname": p.first,
        "civility": "mr" if p.sex == "Male" else "mrs",
        "email": _email_or_default(p),
        "phone": _phone_or_default(c),
        "professional_email": f"{_ascii(p.first)}.{_ascii(p.last)}@pro.example" if pro else None,
        "professional_phone": p.country.phone(r.rng) if pro else None,
        "birthdate": p.birth.isoformat(),
        "address": p.street_line,
        "city": p.city.name,
        "zip": p.postal_code,
        "country": p.country.code,
        "lang": p.country.language[:2],
        "membershipnum": f"ZC-{r.digits(6)}" if c.often(0.4) else None,
        "vip": int(r.chance(0.1)),
        "has_no_show": int(r.chance(0.08)),
        "is_new": int(bookings <= 1),
        "is_blacklisted": int(r.chance(0.02)),
        "allergies": r.pick(_ALLERGIES) if c.often(0.3) else None,
        "comment": r.pick(_FULLWHERE_DESCRIPTIONS) if c.often(0.5) else None,
        "unsubscribed": r.chance(0.1),
        "has_opt_in_market_mail": int(r.chance(0.5)),
        "has_opt_in_review_mail": int(r.chance(0.6)),
        "imported_nb_bookings": bookings,
        "non_duplicate_with": str(r.num(10_000_000, 99_999_999)) if c.often(0.12) else None,
        "optins": optins,
    }


def _juxta(c: _Ctx) -> dict[str, Any]:
    p = c.person
    return {
        "patient_fullname": f"{p.last.upper()} {p.first}",
        "patient_firstname": p.first,
        "patient_lastname": p.last,
        "phone_number": _phone_or_default(c),
        "email": _email_or_default(p),
    }


def _salesforce(c: _Ctx) -> dict[str, Any]:
    p, r = c.person, c.rand
    appointment = c.when(-30, 300)  # up to a month ahead
    booked = appointment - dt.timedelta(days=r.num(2, 40))
    cancelled = c.often(0.3)
    honoured = not cancelled and appointment < REFERENCE_TIME
    day = "%Y-%m-%d"
    return {
        "dentego": {
            "EXTERNAL_ID__c": f"DTG-{r.digits(8)}",
            "Centre_du_RDV__c": r.pick(_DENTAL_CENTRES),
            "Type_de_RDV__c": r.pick(("Première consultation", "Contrôle", "Détartrage",
                                      "Implant", "Orthodontie")),
            "EnddatepourProcessbuilder__c": (appointment + dt.timedelta(minutes=30)).strftime(day),
            "Statut__c": "Annulé" if cancelled else ("Honoré" if honoured else "Planifié"),
            "Pas_de_R_ponse__c": r.chance(0.1),
            "Motif_du_RDV__c": r.pick(("Douleur", "Bilan annuel", "Esthétique", "Devis")),
            "Pas_int_ress__c": r.chance(0.05),
            "Recontacter_ce_soir__c": r.chance(0.05),
            "Commentaire_support_Th_o__c": r.pick(("Patient rappelé", "Message laissé",
                                                   "RAS")),
            "X1er_contact_par_SMS__c": r.chance(0.5),
            "Nombre_de_RDV_non_honor__c": r.num(0, 2),
            "Action_r_alis_e__c": r.pick(("Appel sortant", "SMS envoyé", "Email envoyé")),
            "Commentaire_li_l_action_r_alis_e__c": r.pick(("Confirmé par téléphone",
                                                           "Souhaite un créneau le matin")),
            "Recontacter_le__c": (REFERENCE_TIME + dt.timedelta(days=r.num(1, 20))).strftime(day),
            "KO__c": cancelled,
            "Date_du_RDV__c": _iso_ms(appointment),
            "Commentaire_li_e_la_t_che__c": r.pick(("Relance J-1", "Envoyer le devis")),
            "RDV_plant__c": int(r.chance(0.1)),
            "Is_RDV__c": 1,
            "Logiciel_met__c": r.pick(("Julie", "Logos", "Veasy")),
            "Date_d_annulation_du_RDV__c": booked.strftime(day) if cancelled else None,
            "RDV_ADMIN__c": int(r.chance(0.1)),
            "DateFlow__c": booked.strftime(day),
            "Mail__c": _email_or_default(p),
            "Mobile__c": _phone_or_default(c),
            "isFinished__c": honoured,
            "techSentToHelloCustomer__c": r.chance(0.5),
            "P_rim_tre_r_gional__c": r.pick(("Île-de-France", "Auvergne-Rhône-Alpes",
                                             "Provence-Alpes-Côte d'Azur", "Hauts-de-France")),
            "Etat_de_confirmation__c": r.pick(("Confirmé", "En attente", "Non joignable")),
            "Traite_dans_Doctolib__c": r.chance(0.6),
            "Date_d_envoi_de_la_confirmation__c": (booked + dt.timedelta(days=1)).strftime(day),
            "Date_de_r_ponse__c": (booked + dt.timedelta(days=2)).strftime(day),
            "Type_de_demande__c": r.pick(("Web", "Téléphone", "Doctolib")),
            "Aujourd_hui__c": REFERENCE_TIME.strftime(day),
            "Voyant__c": r.pick(("Vert", "Orange", "Rouge")),
            "Event_date_1er_RDV__c": booked.strftime(day),
            "RDV_NP__c": r.chance(0.2),
            "Date_de_prise_du_RDV__c": booked.strftime(day),
        }
    }  # fmt: skip


def _deliveroo(c: _Ctx) -> dict[str, Any]:
    return {"id": c.rand.num(10_000_000, 99_999_999), "frequency": c.rand.num(1, 30)}


def _tripadvisor(c: _Ctx) -> dict[str, Any]:
    p, r = c.person, c.rand
    contributions = r.num(1, 300)
    return {
        "helpfulVotes": r.num(0, contributions),
        "contributionCount": contributions,
        "homeTown": f"{p.city.name}, {p.country.name_en}",
        "avatarUrl": f"https://media-cdn.tripadvisor.com/media/photo-l/{r.digits(2)}/"
        f"{r.digits(2)}/{r.digits(2)}/{r.digits(2)}/avatar{r.digits(3)}.jpg",
        "username": f"{p.first}{p.last[:1]}{r.num(10, 999)}",
    }


def _booking(c: _Ctx) -> dict[str, Any]:
    return {"yourname": c.person.full_name}


def _ubereats(c: _Ctx) -> dict[str, Any]:
    p, r = c.person, c.rand
    ident = r.uuid()
    return {
        "name": f"{p.first} {p.last[:1]}.",
        "profileURL": f"https://www.ubereats.com/eater/{ident}",
        "uuid": ident,
        "isEatsPassSubscriber": r.chance(0.3),
        "numOrders": r.num(1, 80),
    }


def _sevenrooms(c: _Ctx) -> dict[str, Any]:
    p, r = c.person, c.rand
    return {
        "first_name": p.first,
        "last_name": p.last,
        "email": _email_or_default(p),
        "phone_number": _phone_or_default(c),
        "client_id": f"ahNzfnNldmVucm9vbXMt{r.letters(20)}",
        "venue_group_client_id": f"ahNzfnNldmVucm9vbXMt{r.letters(20)}",
        "client_reference_code": f"SR{r.digits(7)}",
        "external_client_id": f"EXT-{r.digits(6)}" if c.often(0.6) else None,
        "source_client_id": f"SRC-{r.digits(6)}" if c.often(0.4) else None,
        "reservation_sms_opt_in": r.chance(0.5),
    }


def _facebook(c: _Ctx) -> dict[str, Any]:
    p, r = c.person, c.rand
    return {
        "id": r.digits(16),
        "profile_pic": f"https://platform-lookaside.fbsbx.com/platform/profilepic/?psid="
        f"{r.digits(16)}&width=1024",
        "first_name": p.first,
        "last_name": p.last,
        "name": p.full_name,
        "name_format": "{first} {last}",
        "gender": p.sex.lower(),
    }


def _instagram(c: _Ctx) -> dict[str, Any]:
    p, r = c.person, c.rand
    username = _handle(c)
    return {
        "id": r.digits(17),
        "biography": r.pick(("Foodie & voyageur", "Paris | Lyon | ailleurs", "Coffee addict",
                             "Wine lover 🍷", "Photographe amateur")),
        "profile_picture_url": f"https://scontent.cdninstagram.com/v/t51.2885-19/"
        f"{r.digits(9)}_n.jpg",
        "profile_pic": f"https://scontent.cdninstagram.com/v/t51.2885-19/{r.digits(9)}_s.jpg",
        "followers_count": str(r.num(20, 20_000)),
        "follows_count": str(r.num(20, 2_000)),
        "media_count": str(r.num(0, 900)),
        "username": username,
        "name": p.full_name,
        "website": f"https://{username.replace('.', '').replace('_', '')}.example"
        if c.often(0.4)
        else None,
    }  # fmt: skip


def _whatsapp(c: _Ctx) -> dict[str, Any]:
    return {
        "wa_id": _phone_or_default(c).lstrip("+"),
        "profile": {"name": c.person.first if c.rand.chance(0.5) else c.person.full_name},
    }


_FW_DOCUMENT_KEYS = tuple(fw.MewsDocument.__annotations__)
"""The document keys Fullwhere keeps in its mews block (a subset of `MEWS_DOCUMENT_KEYS`)."""


def _mews_block(c: _Ctx) -> dict[str, Any]:
    guest = c.guest
    if guest is None:  # pragma: no cover - only linked people get a mews block
        raise ValueError("a mews block needs a Mews guest")
    extras = c.person.extras
    address = guest["Address"]
    customer = {
        "Id": guest["Id"],
        "ChainId": guest["ChainId"],
        "Number": guest["Number"],
        "FirstName": guest["FirstName"],
        "LastName": guest["LastName"],
        "SecondLastName": guest["SecondLastName"],
        "Title": guest["Title"],
        "Sex": guest["Sex"],
        "NationalityCode": guest["NationalityCode"],
        "LanguageCode": guest["LanguageCode"],
        "BirthDate": guest["BirthDate"],
        "BirthPlace": guest["BirthPlace"],
        "Email": guest["Email"],
        "Phone": guest["Phone"],
        "TaxIdentificationNumber": guest["TaxIdentificationNumber"],
        "LoyaltyCode": guest["LoyaltyCode"],
        "AccountingCode": guest["AccountingCode"],
        "BillingCode": guest["BillingCode"],
        "Notes": guest["Notes"],
        "CarRegistrationNumber": guest["CarRegistrationNumber"],
        "Classifications": list(guest["Classifications"]),
        "Options": list(guest["Options"]),
        "Address": {key: address[key] for key in MEWS_ADDRESS_KEYS} if address else None,
        "CreatedUtc": guest["CreatedUtc"],
        "UpdatedUtc": guest["UpdatedUtc"],
        "ItalianDestinationCode": guest["ItalianDestinationCode"],
        "ItalianFiscalCode": guest["ItalianFiscalCode"],
        "CompanyId": guest["CompanyId"],
        "MergeTargetId": guest["MergeTargetId"],
        "ActivityState": guest["ActivityState"],
        "CitizenNumber": extras.get("CitizenNumber"),
        "MotherName": extras.get("MotherName"),
        "FatherName": extras.get("FatherName"),
        "Occupation": guest["Occupation"],
        "HasOtaEmail": guest["HasOtaEmail"],
        "Passport": (guest["Passport"] or {}).get("Number"),
        "IdentityCard": (guest["IdentityCard"] or {}).get("Number"),
        "Visa": (guest["Visa"] or {}).get("Number"),
        "DriversLicense": (guest["DriversLicense"] or {}).get("Number"),
        "AddressId": guest["AddressId"],
        "CategoryId": extras.get("CategoryId"),
        "BirthDateUtc": f"{guest['BirthDate']}T00:00:00Z" if guest["BirthDate"] else None,
        "IsActive": guest["IsActive"],
        "IsUpdatedByMe": bool(extras.get("IsUpdatedByMe")),
    }
    documents = [{key: doc[key] for key in _FW_DOCUMENT_KEYS} for doc in c.documents]
    return {"customer": customer, "documents": documents}


def _oracle(c: _Ctx) -> dict[str, Any]:
    p, r = c.person, c.rand
    country = p.country
    level = r.pick((("GOLD", "Gold"), ("SILVER", "Silver"), ("PLAT", "Platinum"),
                    ("BASIC", "Member")))  # fmt: skip
    vip = r.pick((("VIP1", "Returning VIP"), ("VIP2", "Celebrity"), ("VIP3", "Top management"),
                  ("NONE", "Standard")))  # fmt: skip
    profile_id = r.digits(8)
    last_stay = c.when(10, 600)
    companions = []
    for _ in range(r.num(1, 2)):
        sex = r.pick(MEWS_SEXES)
        first = r.pick(country.male if sex == "Male" else country.female)
        last = p.last if r.chance(0.6) else r.pick(country.last)[0 if sex == "Male" else 1]
        companions.append(
            {
                "firstName": first,
                "lastName": last,
                "fullName": f"{first} {last}",
                "registrationCardNo": f"RC{r.digits(7)}",
                "profileIdList": [{"id": r.digits(8), "type": "Profile"}],
            }
        )
    restricted = c.often(0.12)
    # Alternate names: the unaccented spelling, else (sometimes) an initial; a second
    # surname for Spaniards, else (sometimes) a maiden name.
    plain_first = _ascii(p.first).capitalize()
    alternate_given = plain_first if plain_first.lower() != p.first.lower() else None
    if alternate_given is None and c.often(0.1):
        alternate_given = f"{p.first[0]}."
    alternate_surname = p.second_last
    if alternate_surname is None and c.often(0.3):
        alternate_surname = r.pick(country.last)[1]
    return {
        "membership": {
            "membershipId": r.num(1_000_000, 9_999_999),
            "programCode": "OHR",
            "bonusCode": r.pick(("WELCOME", "DOUBLE", "NONE")),
            "membershipTypeDesc": "Hotel Rewards",
            "membershipLevelDesc": level[1],
            "accountId": f"OHR{r.digits(9)}",
            "membershipLevel": level[0],
            "playerRanking": r.num(1, 5),
        },
        "namePrefix": {"Mister": "Mr.", "Miss": "Ms.", "Misses": "Mrs."}[p.title],
        "givenName": p.first,
        "alternateGivenName": alternate_given,
        "middleName": r.pick(country.male if p.sex == "Male" else country.female)
        if c.often(0.2)
        else None,
        "surname": p.last,
        "alternateSurname": alternate_surname,
        "nameTitle": {"Mister": "Mr", "Miss": "Ms", "Misses": "Mrs"}[p.title],
        "fullName": f"{p.first} {p.last}",
        "phoneNumber": _phone_or_default(c),
        "email": _email_or_default(p),
        "birthDate": _iso_ms(dt.datetime.combine(p.birth, dt.time(), tzinfo=dt.UTC)),
        "language": country.language[:2].upper(),
        "nationality": {
            "value": country.name_en,
            "code": country.code,
            "displayCountryFlag": True,
            "isoCode": country.code,
        },
        "vip": {"vipCode": vip[0], "vipDescription": vip[1]},
        "address": {
            "cityName": p.city.name,
            "postalCode": p.postal_code,
            "state": p.city.subdivision,
            "streetAddress": p.street_line,
            "country": {"value": country.name_en, "code": country.code},
            "excludeNoCity": False,
        },
        "anonymization": {"anonymizationStatus": "Available"},
        "accompanyGuests": companions,
        "guestLastStayInformation": {
            "lastStayDate": _iso_ms(last_stay),
            "lastStayRoom": str(r.num(1, 6) * 100 + r.num(1, 24)),
            "lastStayRate": {"amount": r.num(140, 520), "currencyCode": CURRENCY},
            "totalStay": r.num(1, 14),
        },
        "guestRestrictedCode": "DNR" if restricted else None,
        "guestRestrictedReasonDesc": "Do not rent: unpaid balance" if restricted else None,
        "guestRestricted": restricted,
        "registrationCardNo": f"RC{r.digits(7)}",
        "nameType": "Guest",
        "id": profile_id,
        "type": "Profile",
    }


def _partouche(c: _Ctx) -> dict[str, Any]:
    p, r = c.person, c.rand
    created = c.created
    optout = c.often(0.25)
    bounces = r.num(1, 3) if c.often(0.3) else 0
    return {
        "id": r.num(1_000_000, 9_999_999),
        "mail": _email_or_default(p),
        "name": f"{p.last.upper()} {p.first}",
        "firstname": p.first,
        "lastname": p.last,
        "civility": 1 if p.sex == "Male" else 2,
        "optout": optout,
        "optout_source": r.pick(("email_link", "casino_desk", "web")) if optout else None,
        "testuser": False,
        "only_text": r.chance(0.05),
        "subscribe_source": r.pick(("carte_joueur", "site_web", "borne", "evenement")),
        "subscribe_source_detail": r.pick(_CASINOS),
        "created_dt": _iso_ms(created),
        "modified_dt": _iso_ms(c.rand.moment_between(created, REFERENCE_TIME)),
        "optout_dt": _iso_ms(c.rand.moment_between(created, REFERENCE_TIME)) if optout else None,
        "language": p.country.language[:2],
        "bouncecnt": bounces,
        "bouncedt": _iso_ms(c.when(5, 300)) if bounces else None,
        "mobile": _phone_or_default(c),
        "valide_email": bounces == 0,
        "valide_print": r.chance(0.7),
        "valide_sms": r.chance(0.8),
        "abo_email": not optout,
        "abo_sms": r.chance(0.5),
        "abo_print": r.chance(0.2),
        "casino_rattachement": r.pick(_CASINOS),
        "id_contact": f"CT{r.digits(8)}",
        "today": _iso_ms(REFERENCE_TIME),
        "do_not_contact": optout and r.chance(0.5),
    }


def _como(c: _Ctx) -> dict[str, Any]:
    p, r = c.person, c.rand
    points = r.num(0, 5000)
    accumulated = points + r.num(0, 8000)
    user_key = r.uuid()
    member_id = r.digits(10)
    created = c.created.strftime("%Y-%m-%dT%H:%M:%S")
    assets = [
        {
            "template": r.pick(("Welcome gift", "Free dessert", "10% off", "Birthday drink")),
            "type": r.pick(("gift", "punch_card", "discount")),
            "key": r.uuid(),
            "status": r.pick(("Active", "Redeemed", "Expired")),
        }
        for _ in range(r.num(1, 3))
    ]
    return {
        "membership": {
            "MembershipStatus": "Active",
            "AccumulatedPoints": str(accumulated),
            "Email": _email_or_default(p),
            "LastUpdate": c.when(0, 90).strftime("%Y-%m-%dT%H:%M:%S"),
            "BudgetWeighted": str(r.num(0, 3000)),
            "UserKey": user_key,
            "LocationID": str(r.num(1000, 9999)),
            "Points": str(points),
            "AllowEmail": "true" if r.chance(0.7) else "false",
            "Consent": "yes",
            "Assets": [{"key": asset["key"], "name": asset["template"]} for asset in assets],
            "Kind": "member",
            "CreatedOn": created,
            "RegistrationSource": r.pick(("App", "POS", "Web")),
            "WeightedPoints": str(points),
            "AllowSMS": "true" if r.chance(0.5) else "false",
            "UnweightedBudgetPoints": str(r.num(0, 3000)),
            "Status": "Active",
            "FirstName": p.first,
            "ConsentForHub": "yes",
            "PreviousUserKeys": [r.uuid() for _ in range(r.num(1, 2))],
            "EntityId": r.uuid(),
            "CommonExtID": f"CX{r.digits(8)}",
            "PhoneNumber": _phone_or_default(c),
            "LastName": p.last,
            "Tag": r.some(("VIP", "Brunch", "Happy hour", "Famille", "Afterwork"), 1, 3),
            "BudgetAccumulatedUnweighted": str(r.num(0, 9000)),
            "BudgetUnweighted": str(r.num(0, 3000)),
            "BudgetAccumulatedWeighted": str(r.num(0, 9000)),
            "Key": user_key,
            "ComoMemberID": member_id,
        },
        "assets": assets,
    }


def _experience(c: _Ctx) -> dict[str, Any]:
    p, r = c.person, c.rand
    return {
        "customer_custom_properties": [
            {"name": "preferred_pillow", "value": r.pick(("firm", "soft", "memory foam"))}
        ],
        "customer_additional_properties": [
            {"name": "travel_purpose", "value": r.pick(("leisure", "business"))}
        ],
        "email": _email_or_default(p),
        "title": {"Mister": "Mr", "Miss": "Ms", "Misses": "Mrs"}[p.title],
        "firstname": p.first,
        "lastname": p.last,
        "language": p.country.language[:2],
        "birthdate": p.birth.isoformat(),
        "age_at_time_of_stay": max(p.age - r.num(0, 2), 18),
        "addr_street": p.street_line,
        "addr_city": p.city.name,
        "addr_zipcode": p.postal_code,
        "addr_country": p.country.code,
        "continent": p.country.continent,
        "nationality": p.country.code,
        "mobile_phone": _phone_or_default(c),
        "phone": p.country.phone(r.rng) if c.often(0.3) else None,
        "number_of_stays": r.num(1, 12),
        "often_travel_to_city": r.chance(0.3),
    }


def _auto_gestion(c: _Ctx) -> dict[str, Any]:
    p, r = c.person, c.rand
    return {
        "firstname": p.first,
        "lastname": p.last,
        "email": _email_or_default(p),
        "phone": _phone_or_default(c),
        "thoroughfare": p.street_line,
        "premise": p.line2 or (f"Appartement {r.num(1, 40)}" if c.often(0.4) else None),
        "postal_code": p.postal_code,
        "locality": p.city.name,
        "country": p.country.code,
    }


def _the_fork(c: _Ctx) -> dict[str, Any]:
    p, r = c.person, c.rand
    rank = r.pick(("NEW", "REGULAR", "LOYAL", "VIP"))
    restaurant = r.pick(_RESTAURANTS)
    return {
        "customerUuid": r.uuid(),
        "email": _email_or_default(p),
        "firstName": p.first,
        "lastName": p.last,
        "phone": _phone_or_default(c),
        "birthDate": p.birth.isoformat(),
        "locale": p.country.language.replace("-", "_"),
        "civility": "MR" if p.sex == "Male" else "MRS",
        "rank": rank,
        "computedRank": r.pick(("NEW", "REGULAR", "LOYAL")),
        "isVip": rank == "VIP",
        "address": p.street_line,
        "allergiesAndIntolerances": r.some(_ALLERGIES, 0, 2),
        "dietaryRestrictions": r.some(("Végétarien", "Vegan", "Sans porc", "Halal"), 0, 1),
        "favFood": r.pick(_FOODS),
        "favDrinks": r.pick(_DRINKS),
        "favSeating": r.pick(_SEATING),
        "notes": r.pick(_FULLWHERE_DESCRIPTIONS) if c.often(0.5) else None,
        "originRestaurantUuid": r.uuid(),
        "originRestaurantName": restaurant,
        "creationDate": _iso_ms(c.created),
        "lastUpdateDate": _iso_ms(c.rand.moment_between(c.created, REFERENCE_TIME)),
        "isPromoter": r.chance(0.15),
        "secondaryPhone": p.country.phone(r.rng) if c.often(0.2) else None,
        "country": p.country.code,
        "city": p.city.name,
        "zipcode": p.postal_code,
        "optins": {"restaurantNewsletter": r.chance(0.5)},
        "customFields": [
            {
                "labelUuid": r.uuid(),
                "label": label,
                "type": {"name": kind},
                "value": value,
                "valueUuid": r.uuid(),
            }
            for label, kind, value in r.some(
                (
                    ("Table préférée", "TEXT", str(r.num(1, 30))),
                    ("Occasion", "SELECT", r.pick(("Anniversaire", "Affaires", "Rendez-vous"))),
                    ("Client depuis", "DATE", str(r.num(2015, 2025))),
                ),
                1,
                3,
            )
        ],
    }


def _import(c: _Ctx) -> dict[str, Any]:
    r = c.rand
    return {
        "file": r.pick(("clients-2024.csv", "export-crm-2025-01.xlsx", "fichier-salon.csv")),
        "segment": r.pick(("Salon du mariage", "Ancien CRM", "Jeu concours", "Partenaires")),
        "importedAt": _iso_ms(c.created),
    }


_BLOCK_BUILDERS: dict[str, Callable[[_Ctx], dict[str, Any]]] = {
    "googleMyBusiness": _google, "zelty": _zelty, "zenchef": _zenchef, "juxta": _juxta,
    "salesforce": _salesforce, "deliveroo": _deliveroo, "tripadvisor": _tripadvisor,
    "booking": _booking, "ubereats": _ubereats, "sevenrooms": _sevenrooms,
    "facebook": _facebook, "instagram": _instagram, "whatsapp": _whatsapp, "mews": _mews_block,
    "oracle": _oracle, "partouche": _partouche, "como": _como, "experience": _experience,
    "autoGestion": _auto_gestion, "theFork": _the_fork, "import": _import,
}  # fmt: skip

_NON_MEWS_SOURCES = tuple(source for source in METADATA_SOURCES if source != "mews")

# How often a source is drawn as an extra block (restaurant tools are the most common).
_SOURCE_WEIGHTS: dict[str, int] = {
    "googleMyBusiness": 8, "zelty": 6, "zenchef": 9, "juxta": 2, "salesforce": 2,
    "deliveroo": 5, "tripadvisor": 5, "booking": 5, "ubereats": 5, "sevenrooms": 4,
    "facebook": 5, "instagram": 5, "whatsapp": 4, "oracle": 3, "partouche": 3, "como": 4,
    "experience": 3, "autoGestion": 2, "theFork": 8, "import": 4,
}  # fmt: skip


def _foreign_ids(metadata: dict[str, Any]) -> dict[str, str | None]:
    """The top-level `…Id` fields a customer's metadata blocks imply."""

    def get(source: str, *path: str) -> str | None:
        value: Any = metadata.get(source)
        for key in path:
            if not isinstance(value, dict):
                return None
            value = value.get(key)
        return None if value is None else str(value)

    return {
        "zenchefId": get("zenchef", "id"),
        "ubereatsId": get("ubereats", "uuid"),
        "deliverooId": get("deliveroo", "id"),
        "zeltyId": get("zelty", "id"),
        "sevenroomsId": get("sevenrooms", "client_id"),
        "metaId": get("facebook", "id") or get("instagram", "id"),
        "mewsId": get("mews", "customer", "Id"),
        "oracleId": get("oracle", "id"),
        "partoucheId": get("partouche", "id"),
        "comoId": get("como", "membership", "ComoMemberID"),
        "theForkId": get("theFork", "customerUuid"),
    }


# ---------------------------------------------------------------------------------------------
# Fullwhere customers
# ---------------------------------------------------------------------------------------------


class _FullwhereFactory:
    def __init__(self, rand: _Rand) -> None:
        self.rand = rand
        self.showcased: dict[str, None] = {}
        created = REFERENCE_TIME - dt.timedelta(days=900)
        self.tags = [
            {
                "id": rand.uuid(),
                "createdAt": _iso_ms(created + dt.timedelta(days=index * 17, hours=index)),
                "updatedAt": _iso_ms(created + dt.timedelta(days=index * 17 + 40)),
                "tag": name,
                "color": color,
            }
            for index, (name, color) in enumerate(_TAGS)
        ]

    def customer(
        self,
        person: _Person,
        *,
        created: dt.datetime,
        sources: list[str],
        guest: dict[str, Any] | None,
        documents: list[dict[str, Any]],
        link_by_id: bool,
    ) -> dict[str, Any]:
        r = self.rand
        ctx = _Ctx(rand=r, person=person, created=created, guest=guest, documents=documents)
        ordered = [source for source in METADATA_SOURCES if source in sources]
        metadata = {}
        for source in ordered:
            ctx.showcase = source not in self.showcased
            self.showcased[source] = None
            metadata[source] = _BLOCK_BUILDERS[source](ctx)
        foreign = _foreign_ids(metadata)
        if guest is not None:
            foreign["mewsId"] = guest["Id"] if link_by_id else None
        updated = r.moment_between(created, REFERENCE_TIME)
        feedback = r.num(0, 12) if r.chance(0.6) else 0
        language = (guest or {}).get("PreferredLanguageCode") or person.country.language
        tags = [dict(tag) for tag in r.some(self.tags, 0, 3)] if r.chance(0.6) else []
        customer: dict[str, Any] = {
            "id": r.uuid(),
            "createdAt": _iso_ms(created),
            "updatedAt": _iso_ms(updated),
            "description": r.pick(_FULLWHERE_DESCRIPTIONS) if r.chance(0.35) else None,
            "company": person.company[1] if person.company else None,
            "firstName": person.first,
            "lastName": person.last,
            "displayName": person.full_name,
            "language": language[:2],
            "phoneNumber": person.phone,
            "email": person.email,
            "emailBounced": r.chance(0.04),
            "civility": {"Mister": "Mr.", "Miss": "Ms.", "Misses": "Mrs."}[person.title],
            "tags": tags,
            "emailOptin": r.chance(0.6),
            "smsOptin": r.chance(0.35),
            **foreign,
            "type": FULLWHERE_CUSTOMER_TYPE,
            "feedbackCount": feedback,
            "purchaseCount": r.num(0, 40),
            "averageFeedbackRating": f"{r.rng.uniform(3.0, 5.0):.1f}" if feedback else None,
            "dataSources": [DATA_SOURCE_LABELS[source] for source in ordered],
            "metadata": metadata,
        }
        return {key: customer[key] for key in FULLWHERE_CUSTOMER_KEYS}


def _assign_sources(rand: _Rand, count: int, minimum_each: int = 3) -> list[list[str]]:
    """One to three non-Mews sources per customer, every source on `minimum_each` customers."""
    assigned: list[list[str]] = [[] for _ in range(count)]
    if count == 0:
        return assigned
    order = list(range(count))
    rand.rng.shuffle(order)
    slot = 0
    for source in _NON_MEWS_SOURCES:
        for _ in range(minimum_each):
            assigned[order[slot % count]].append(source)
            slot += 1
    sources = list(_SOURCE_WEIGHTS)
    weights = [_SOURCE_WEIGHTS[source] for source in sources]
    for chosen in assigned:
        wanted = rand.rng.choice((1, 1, 2, 2, 2, 3))
        while len(chosen) < wanted:
            source = rand.rng.choices(sources, weights=weights)[0]
            if source not in chosen:
                chosen.append(source)
    return assigned


# ---------------------------------------------------------------------------------------------
# Reservations and open items
# ---------------------------------------------------------------------------------------------


@dataclass
class _Property:
    """Ids of the hotel's configuration that reservations and items refer to."""

    service_id: str
    rooms: list[dict[str, Any]]
    room_categories: list[str]
    rates: list[str]
    business_segments: list[str]
    adult_category: str
    child_category: str
    accounting: dict[str, str]
    products: dict[str, str]


_ACCOUNTING_CATEGORIES = (
    "Accommodation", "Food & Beverage", "Minibar", "Parking", "Spa", "City tax", "Payments",
)  # fmt: skip


def _property(rand: _Rand) -> _Property:
    rooms = []
    for index in range(ROOM_COUNT):
        floor = 1 + index // 6
        rooms.append({"Id": rand.uuid(), "Name": f"{floor}{index % 6 + 1:02d}", "Floor": floor})
    return _Property(
        service_id=rand.uuid(),
        rooms=rooms,
        room_categories=[rand.uuid() for _ in range(3)],
        rates=[rand.uuid() for _ in range(4)],
        business_segments=[rand.uuid() for _ in range(3)],
        adult_category=rand.uuid(),
        child_category=rand.uuid(),
        accounting={name: rand.uuid() for name in _ACCOUNTING_CATEGORIES},
        products={
            name: rand.uuid()
            for name in ("Breakfast", "Parking", "Minibar", "Spa access", "Late check-out")
        },
    )


_TAX_RATES = {"FR-R": 10, "FR-S": 20, "FR-Z": 0}  # percent
_CHANNELS = (("Booking.com", "SiteMinder"), ("Expedia", "SiteMinder"), ("Airbnb", "D-EDGE"))


def _amount(gross_cents: int, tax_code: str) -> dict[str, Any]:
    rate = _TAX_RATES[tax_code]
    net_cents = round(gross_cents * 100 / (100 + rate))
    tax_cents = gross_cents - net_cents
    return {
        "Currency": CURRENCY,
        "NetValue": _money(net_cents),
        "GrossValue": _money(gross_cents),
        "TaxValues": [{"Code": tax_code, "Value": _money(tax_cents)}],
        "Breakdown": {
            "Items": [
                {
                    "TaxRateCode": tax_code,
                    "NetValue": _money(net_cents),
                    "TaxValue": _money(tax_cents),
                }
            ]
        },
    }


class _StayFactory:
    def __init__(self, rand: _Rand, prop: _Property) -> None:
        self.rand = rand
        self.prop = prop
        self.numbers = iter(rand.rng.sample(range(1000, 99999), 400))

    def reservation(
        self,
        owner: dict[str, Any],
        *,
        state: str,
        start: dt.datetime,
        end: dt.datetime,
        room: dict[str, Any] | None,
        companions: list[str],
    ) -> dict[str, Any]:
        r, prop = self.rand, self.prop
        origin = r.pick(("ChannelManager", "ChannelManager", "Distributor", "CommanderPhone",
                         "CommanderEmail", "Connector", "CommanderInPerson"))  # fmt: skip
        channel, manager = r.pick(_CHANNELS)
        via_channel = origin == "ChannelManager"
        business = owner["CompanyId"] is not None
        adults = 1 + len(companions) if companions else r.num(1, 2)
        children = r.num(0, 2) if not business and r.chance(0.2) else 0
        created = start - dt.timedelta(days=r.num(3, 120), seconds=r.num(0, 86400))
        updated = min(start + dt.timedelta(hours=r.num(0, 3)), REFERENCE_TIME)
        if state != "Started":
            updated = r.moment_between(created, REFERENCE_TIME)
        room_id = room["Id"] if room else None
        locked = room is not None and r.chance(0.2)
        cm_number = f"{r.digits(9)}" if via_channel else None
        person_counts = [{"AgeCategoryId": prop.adult_category, "Count": adults}]
        if children:
            person_counts.append({"AgeCategoryId": prop.child_category, "Count": children})
        reservation = {
            "Id": r.uuid(),
            "ServiceId": prop.service_id,
            "GroupId": r.uuid(),
            "Number": str(next(self.numbers)),
            "ChannelNumber": f"{r.digits(10)}" if via_channel else None,
            "ChannelManagerNumber": cm_number,
            "ChannelManagerGroupNumber": f"{r.digits(8)}" if via_channel else None,
            "ChannelManager": manager if via_channel else None,
            "State": state,
            "Origin": origin,
            "OriginDetails": channel if via_channel else None,
            "Purpose": "Business" if business else "Leisure",
            "CreatedUtc": _iso_z(created),
            "UpdatedUtc": _iso_z(max(updated, created)),
            "CancelledUtc": None,
            "StartUtc": _iso_z(start),
            "EndUtc": _iso_z(end),
            "ReleasedUtc": None,
            "RequestedCategoryId": r.pick(prop.room_categories),
            "AssignedSpaceId": room_id,
            "AssignedSpaceLocked": locked,
            "AssignedResourceId": room_id,
            "AssignedResourceLocked": locked,
            "BusinessSegmentId": r.pick(prop.business_segments) if r.chance(0.7) else None,
            "CompanyId": owner["CompanyId"] if business else None,
            "TravelAgencyId": None,
            "AvailabilityBlockId": None,
            "RateId": r.pick(prop.rates),
            "VoucherId": None,
            "CreditCardId": r.uuid() if r.chance(0.7) else None,
            "CancellationReason": None,
            "AdultCount": adults,
            "ChildCount": children,
            "PersonCounts": person_counts,
            "OwnerId": owner["Id"],
            "CustomerId": owner["Id"],
            "BookerId": owner["Id"] if r.chance(0.8) else None,
            "CompanionIds": companions,
            "ChannelManagerId": cm_number,
            "Options": {
                "OwnerCheckedIn": state == "Started",
                "AllCompanionsCheckedIn": state == "Started" and bool(companions),
                "AnyCompanionCheckedIn": state == "Started" and bool(companions),
            },
        }
        return reservation

    def _order_item(
        self,
        account_id: str,
        order_id: str,
        *,
        gross_cents: int,
        tax_code: str,
        category: str,
        revenue: str,
        consumed: dt.datetime,
        data: dict[str, Any],
    ) -> dict[str, Any]:
        r = self.rand
        return {
            "Id": r.uuid(),
            "AccountId": account_id,
            "OrderId": order_id,
            "BillId": None,
            "AccountingCategoryId": self.prop.accounting[category],
            "Amount": _amount(gross_cents, tax_code),
            "RevenueType": revenue,
            "ConsumedUtc": _iso_z(consumed),
            "ClosedUtc": None,
            "AccountingState": "Open",
            "Data": data,
        }

    def _product(self, name: str) -> dict[str, Any]:
        return {
            "Discriminator": "ProductOrder",
            "Value": {"ProductId": self.prop.products[name], "AgeCategoryId": None},
        }

    def open_items(self, guest_id: str, reservation: dict[str, Any] | None) -> dict[str, Any]:
        r = self.rand
        items: list[dict[str, Any]] = []
        if reservation is not None:
            order_id = reservation["Id"]
            start = dt.datetime.fromisoformat(reservation["StartUtc"].replace("Z", "+00:00"))
            nightly = r.num(140, 420) * 100
            night = start
            while night < REFERENCE_TIME:
                items.append(
                    self._order_item(
                        guest_id, order_id, gross_cents=nightly, tax_code="FR-R",
                        category="Accommodation", revenue="Service", consumed=night,
                        data={"Discriminator": "SpaceOrder", "Value": None},
                    )
                )  # fmt: skip
                items.append(
                    self._order_item(
                        guest_id, order_id, gross_cents=520 * reservation["AdultCount"],
                        tax_code="FR-Z", category="City tax", revenue="Additional",
                        consumed=night, data={"Discriminator": "CustomItem", "Value": None},
                    )
                )  # fmt: skip
                night += dt.timedelta(days=1)
        else:
            order_id = r.uuid()
        consumed_from = REFERENCE_TIME - dt.timedelta(days=2 if reservation else 30)
        for name, category, tax, low, high in r.some(
            (
                ("Breakfast", "Food & Beverage", "FR-R", 2400, 6800),
                ("Minibar", "Minibar", "FR-S", 600, 4800),
                ("Parking", "Parking", "FR-S", 2500, 4500),
                ("Spa access", "Spa", "FR-S", 3500, 9000),
                ("Late check-out", "Accommodation", "FR-R", 3000, 6000),
            ),
            1 if reservation is None else 0,
            3,
        ):
            items.append(
                self._order_item(
                    guest_id, order_id, gross_cents=r.num(low, high) // 10 * 10, tax_code=tax,
                    category=category, revenue="Product",
                    consumed=r.moment_between(consumed_from, REFERENCE_TIME),
                    data=self._product(name),
                )
            )  # fmt: skip
        if items and r.chance(0.2):
            rebated = items[r.num(0, len(items) - 1)]
            gross = -round(rebated["Amount"]["GrossValue"] * 100 * 0.1)
            code = rebated["Amount"]["TaxValues"][0]["Code"]
            items.append(
                self._order_item(
                    guest_id, order_id, gross_cents=gross, tax_code=code,
                    category="Accommodation", revenue="Additional",
                    consumed=r.moment_between(consumed_from, REFERENCE_TIME),
                    data={"Discriminator": "Rebate", "Value": {"RebatedItemId": rebated["Id"]}},
                )
            )  # fmt: skip
        payments: list[dict[str, Any]] = []
        if reservation is not None and r.chance(0.5):
            total = sum(round(item["Amount"]["GrossValue"] * 100) for item in items)
            paid = -(total // 2 // 100 * 100) or -5000
            amount = _amount(paid, "FR-Z")
            amount["TaxValues"] = []
            amount["Breakdown"] = {
                "Items": [{"TaxRateCode": None, "NetValue": _money(paid), "TaxValue": 0.0}]
            }
            payments.append(
                {
                    "Id": r.uuid(),
                    "AccountId": guest_id,
                    "BillId": None,
                    "AccountingCategoryId": self.prop.accounting["Payments"],
                    "Amount": amount,
                    "OriginalAmount": copy.deepcopy(amount),
                    "Notes": "Deposit taken at check-in",
                    "SettlementId": None,
                    "ConsumedUtc": reservation["StartUtc"],
                    "ClosedUtc": None,
                    "AccountingState": "Open",
                    "State": "Charged",
                    "Identifier": f"AUTH-{r.digits(6)}",
                    "Data": {
                        "Discriminator": "CreditCard",
                        "Value": {"PaymentCardId": reservation["CreditCardId"] or r.uuid()},
                    },
                }
            )
        return {"OrderItems": items, "PaymentItems": payments}


# ---------------------------------------------------------------------------------------------
# Building the world
# ---------------------------------------------------------------------------------------------


def _conflicting_email(rand: _Rand, people: _People, person: _Person, upper: bool) -> str:
    email = person.email or ""
    local, _, domain = email.partition("@")
    if upper:
        # Same mailbox, different case: "Jean.Dupont@Orange.fr".
        return (
            ".".join(part[:1].upper() + part[1:] for part in local.split("."))
            + "@"
            + (domain[:1].upper() + domain[1:])
        )
    old_domain = rand.pick(person.country.old_email_domains)
    return people.email_for(person.first, person.last, old_domain)


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


class _WorldBuilder:
    """Builds a world in stages; every stage draws from the one shared generator, in order."""

    def __init__(self, seed: int, plan: WorldPlan) -> None:
        self.seed = seed
        self.plan = plan
        self.rand = rand = _Rand(seed)
        self.companies = [
            {"Id": rand.uuid(), "Name": name, "Domain": domain}
            for name, domain in _COMPANIES[:COMPANY_COUNT]
        ]
        self.people = _People(rand, self.companies)
        self.mews_factory = _MewsFactory(rand)
        self.fullwhere_factory = _FullwhereFactory(rand)
        self.prop = _property(rand)
        self.stays = _StayFactory(rand, self.prop)
        self.active_count = plan.mews - plan.merged
        self.created_offsets = rand.rng.sample(range(3600, 730 * 86400), plan.mews)
        self.numbers = rand.rng.sample(range(100_000, 1_000_000), plan.mews)
        # Active guests, in creation order of this builder; the first `plan.linked` of them
        # are the ones Fullwhere customers point at.
        self.guests: list[dict[str, Any]] = []
        self.persons: list[_Person] = []
        self.merged: list[dict[str, Any]] = []
        self.documents: dict[str, list[dict[str, Any]]] = {}

    def _new_guest(self, person: _Person, slot: int, *, with_documents: bool) -> dict[str, Any]:
        created = REFERENCE_TIME - dt.timedelta(seconds=self.created_offsets[slot])
        guest, documents = self.mews_factory.guest(
            person, number=str(self.numbers[slot]), created=created, with_documents=with_documents
        )
        self.documents[guest["Id"]] = documents
        return guest

    def add_active_guests(self) -> None:
        rand, companies = self.rand, self.companies
        # About one active guest in eight works for one of the companies, at least three
        # each, so a `CompanyIds` filter always finds several.
        employed = min(self.active_count, max(3 * len(companies), round(self.active_count * 0.12)))
        employer = {
            index: companies[position % len(companies)]
            for position, index in enumerate(rand.rng.sample(range(self.active_count), employed))
        }
        for index in range(self.active_count):
            person = self.people.make(company=employer.get(index))
            if index >= self.plan.linked and rand.chance(0.05):
                person.email = None  # walk-ins and phone bookings without an email
            self.guests.append(
                self._new_guest(person, index, with_documents=index < self.plan.linked)
            )
            self.persons.append(person)

    def add_merged_guests(self) -> None:
        """Older duplicates of Mews-only guests, merged into them (inactive, `Deleted`)."""
        rand, plan = self.rand, self.plan
        unlinked = range(plan.linked, self.active_count)
        pool = unlinked if len(unlinked) >= plan.merged else range(self.active_count)
        for offset, target_index in enumerate(rand.rng.sample(pool, plan.merged)):
            duplicate = _Person(**{**self.persons[target_index].__dict__, "extras": {}})
            duplicate.email = self.people.email_for(
                duplicate.first, duplicate.last, rand.pick(duplicate.country.old_email_domains)
            )
            guest = self._new_guest(duplicate, self.active_count + offset, with_documents=False)
            target = self.guests[target_index]
            merged_at = max(_utc(guest["CreatedUtc"]), _utc(target["CreatedUtc"]))
            merged_at += dt.timedelta(hours=rand.num(1, 72))
            merged_at = min(merged_at, REFERENCE_TIME - dt.timedelta(minutes=1))
            guest.update(
                IsActive=False,
                ActivityState="Deleted",
                MergeTargetId=target["Id"],
                UpdatedUtc=_iso_z(max(merged_at, _utc(guest["CreatedUtc"]))),
                Classifications=[],
                Notes=f"Duplicate profile, merged into customer {target['Number']}.",
            )
            self.merged.append(guest)

    def fullwhere_customers(self) -> list[dict[str, Any]]:
        """Linked people first (by `mewsId`, then by metadata only), then Fullwhere-only ones."""
        plan = self.plan
        sources = _assign_sources(self.rand, plan.fullwhere)
        customers = [
            self._linked_customer(slot, sources[slot])
            if slot < plan.linked
            else self.fullwhere_factory.customer(
                self.people.make(french_bias=True, company_ratio=0.06),
                created=self.rand.days_ago(0.01, 730),
                sources=sources[slot],
                guest=None,
                documents=[],
                link_by_id=False,
            )
            for slot in range(plan.fullwhere)
        ]
        return sorted(customers, key=lambda c: (c["createdAt"], c["id"]))

    def _linked_customer(self, slot: int, sources: list[str]) -> dict[str, Any]:
        rand, plan = self.rand, self.plan
        guest, person = self.guests[slot], self.persons[slot]
        by_id = slot < plan.linked_by_mews_id
        chosen = list(sources)
        if not by_id or rand.chance(0.9):
            chosen.append("mews")
        guest_created = _utc(guest["CreatedUtc"])
        created = rand.moment_between(
            guest_created, min(guest_created + dt.timedelta(days=30), REFERENCE_TIME)
        )
        # The first linked customers disagree with Mews on purpose: phone, then email
        # (alternately the same address in other case, and an old address).
        view = person
        email_slot = slot - plan.phone_conflicts
        if by_id and slot < plan.phone_conflicts:
            view = _Person(**{**person.__dict__})
            view.phone = person.country.phone(rand.rng)
        elif by_id and 0 <= email_slot < plan.email_conflicts:
            view = _Person(**{**person.__dict__})
            view.email = _conflicting_email(rand, self.people, person, email_slot % 2 == 0)
        return self.fullwhere_factory.customer(
            view,
            created=created,
            sources=chosen,
            guest=guest,
            documents=self.documents[guest["Id"]],
            link_by_id=by_id,
        )

    def stays_and_open_items(
        self,
    ) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
        """Started stays across the reference time, future arrivals and open balances."""
        rand, plan, guests = self.rand, self.plan, self.guests
        candidates = list(range(self.active_count))
        rand.rng.shuffle(candidates)
        owners, rest = candidates[: plan.staying], candidates[plan.staying :]
        rooms = rand.rng.sample(self.prop.rooms, min(plan.staying, len(self.prop.rooms)))
        reservations: list[dict[str, Any]] = []
        open_items: dict[str, dict[str, Any]] = {}
        for position, owner_index in enumerate(owners):
            companions: list[str] = []
            if rest and rand.chance(0.4):
                for _ in range(rand.num(1, 2)):
                    if rest:
                        companions.append(guests[rest.pop()]["Id"])
            start = (REFERENCE_TIME - dt.timedelta(days=rand.num(1, 6))).replace(
                hour=13, minute=rand.num(0, 59)
            )
            end = (REFERENCE_TIME + dt.timedelta(days=rand.num(1, 7))).replace(hour=10)
            owner = guests[owner_index]
            reservation = self.stays.reservation(
                owner,
                state="Started",
                start=start,
                end=end,
                room=rooms[position % len(rooms)] if rooms else None,
                companions=companions,
            )
            reservations.append(reservation)
            open_items[owner["Id"]] = self.stays.open_items(owner["Id"], reservation)
        for _ in range(min(plan.confirmed, len(rest))):
            owner = guests[rest.pop()]
            start = (REFERENCE_TIME + dt.timedelta(days=rand.num(2, 40))).replace(hour=14)
            end = start + dt.timedelta(days=rand.num(1, 6), hours=-4)
            room = rand.pick(self.prop.rooms) if rand.chance(0.6) else None
            reservations.append(
                self.stays.reservation(
                    owner, state="Confirmed", start=start, end=end, room=room, companions=[]
                )
            )
        while len(open_items) < plan.open_items and rest:
            guest_id = guests[rest.pop()]["Id"]
            open_items[guest_id] = self.stays.open_items(guest_id, None)
        return reservations, open_items

    def build(self) -> World:
        self.add_active_guests()
        self.add_merged_guests()
        fullwhere = self.fullwhere_customers()
        reservations, open_items = self.stays_and_open_items()
        mews = sorted(self.guests + self.merged, key=lambda g: (g["CreatedUtc"], g["Id"]))
        return World(
            fullwhere_customers=fullwhere,
            mews_customers=mews,
            mews_reservations=reservations,
            mews_open_items=open_items,
            mews_documents=[doc for guest in mews for doc in self.documents[guest["Id"]]],
            mews_resources=self.prop.rooms,
            mews_companies=[{"Id": c["Id"], "Name": c["Name"]} for c in self.companies],
            seed=self.seed,
        )


def build_world(
    seed: int = DEFAULT_SEED,
    *,
    fullwhere_count: int = DEFAULT_FULLWHERE_COUNT,
    mews_count: int = DEFAULT_MEWS_COUNT,
) -> World:
    """The demo world for `seed`: same seed and sizes, same world, byte for byte."""
    return _WorldBuilder(seed, plan_world(fullwhere_count, mews_count)).build()


def grown_world(
    seed: int = DEFAULT_SEED,
    *,
    fullwhere_count: int = DEFAULT_FULLWHERE_COUNT,
    mews_count: int = DEFAULT_MEWS_COUNT,
) -> World:
    """The demo world of `seed` grown to these sizes: every demo record (so every id the docs
    name) is kept, and the records added come from the world of the next seed. Sizes below
    the demo's give the small world `build_world` makes for them."""
    if fullwhere_count < DEFAULT_FULLWHERE_COUNT or mews_count < DEFAULT_MEWS_COUNT:
        return build_world(seed, fullwhere_count=fullwhere_count, mews_count=mews_count)
    demo = build_world(seed)
    if (fullwhere_count, mews_count) == (DEFAULT_FULLWHERE_COUNT, DEFAULT_MEWS_COUNT):
        return demo
    more = build_world(
        seed + 1,
        fullwhere_count=fullwhere_count - DEFAULT_FULLWHERE_COUNT,
        mews_count=mews_count - DEFAULT_MEWS_COUNT,
    )
    joined: dict[str, Any] = {}
    for part in fields(World):
        mine, theirs = getattr(demo, part.name), getattr(more, part.name)
        if isinstance(mine, list):
            joined[part.name] = mine + theirs
        elif isinstance(mine, dict):
            joined[part.name] = {**mine, **theirs}
        else:
            joined[part.name] = mine
    return World(**joined)


# ---------------------------------------------------------------------------------------------
# Questions tests and the benchmark ask of a world
# ---------------------------------------------------------------------------------------------


def mews_link(customer: dict[str, Any]) -> str | None:
    """The Mews id a Fullwhere customer points at: `mewsId`, else `metadata.mews.customer.Id`."""
    if customer.get("mewsId"):
        return str(customer["mewsId"])
    block = (customer.get("metadata") or {}).get("mews") or {}
    linked = (block.get("customer") or {}).get("Id")
    return str(linked) if linked else None


def linked_pairs(world: World) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(Fullwhere customer, its Mews guest) for every customer whose link resolves."""
    by_id = {guest["Id"]: guest for guest in world.mews_customers}
    pairs = []
    for customer in world.fullwhere_customers:
        target = mews_link(customer)
        if target is not None and target in by_id:
            pairs.append((customer, by_id[target]))
    return pairs


def fullwhere_only(world: World) -> list[dict[str, Any]]:
    """Fullwhere customers with no Mews guest."""
    return [customer for customer in world.fullwhere_customers if mews_link(customer) is None]


def mews_only(world: World) -> list[dict[str, Any]]:
    """Mews guests no Fullwhere customer points at (merged duplicates included)."""
    linked = {mews_link(customer) for customer in world.fullwhere_customers}
    return [guest for guest in world.mews_customers if guest["Id"] not in linked]


def conflicting_pairs(world: World) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Linked pairs whose phone or email differ (case-only email differences included)."""
    return [
        (customer, guest)
        for customer, guest in linked_pairs(world)
        if customer["phoneNumber"] != guest["Phone"] or customer["email"] != guest["Email"]
    ]


def staying_guest_ids(world: World) -> list[str]:
    """Owners and companions of the reservations started at `REFERENCE_TIME`."""
    found: list[str] = []
    for reservation in world.mews_reservations:
        if reservation["State"] == "Started":
            found.append(reservation["OwnerId"])
            found.extend(reservation["CompanionIds"])
    return found


def summarize(world: World) -> dict[str, int]:
    """Counts of each kind of record, for reports and sanity checks."""
    pairs = linked_pairs(world)
    return {
        "fullwhere_customers": len(world.fullwhere_customers),
        "mews_customers": len(world.mews_customers),
        "linked": len(pairs),
        "linked_by_mews_id": sum(1 for customer, _ in pairs if customer["mewsId"]),
        "linked_by_metadata": sum(1 for customer, _ in pairs if not customer["mewsId"]),
        "conflicts": len(conflicting_pairs(world)),
        "fullwhere_only": len(fullwhere_only(world)),
        "mews_only": len(mews_only(world)),
        "merged": sum(1 for guest in world.mews_customers if not guest["IsActive"]),
        "staying_reservations": sum(1 for r in world.mews_reservations if r["State"] == "Started"),
        "staying_guests": len(staying_guest_ids(world)),
        "confirmed_reservations": sum(
            1 for r in world.mews_reservations if r["State"] == "Confirmed"
        ),
        "open_items_customers": len(world.mews_open_items),
        "mews_documents": len(world.mews_documents),
        "companies": len(world.mews_companies),
    }


# ---------------------------------------------------------------------------------------------
# A hotel group: the same guests spread over a portfolio token's two chains and two properties
# ---------------------------------------------------------------------------------------------

#: The chains of the group's portfolio token (the first is the single-property world's).
PORTFOLIO_CHAIN_IDS = (CHAIN_ID, "9b1d4f27-3c8e-4a60-b5d2-7e0f1a6c4d93")
#: The chain of each single-property token, by the name the gateway gives it.
PROPERTY_CHAIN_IDS = {
    "paris": "2f6a8c1e-5b7d-4e39-8a02-c4d1e9b7f5a6",
    "lyon": "d47e0b95-1a3c-4f82-9e6b-58c2a7f0d314",
}
#: The group's access tokens (sandbox only, like Mews's public demo tokens).
GROUP_PORTFOLIO_TOKEN = "7F3A9C1E5B2D4E8F9A0B1C2D3E4F5A6B-PORTFOLIO0DEMO0GROUP0TOKEN000001"
GROUP_PROPERTY_TOKENS = {
    "paris": "1C2D3E4F5A6B7C8D9E0F1A2B3C4D5E6F-PARIS00000DEMO0GROUP0TOKEN000002",
    "lyon": "A6B5C4D3E2F1A0B9C8D7E6F5A4B3C2D1-LYON000000DEMO0GROUP0TOKEN000003",
}


def group_places() -> list[tuple[str, str | None]]:
    """(chain id, property token name or None for the portfolio) of the group's four places."""
    return [(chain, None) for chain in PORTFOLIO_CHAIN_IDS] + [
        (chain, name) for name, chain in PROPERTY_CHAIN_IDS.items()
    ]


def as_group(world: World) -> World:
    """`world` with its guests spread over the group's four chains (a copy).

    Guests go round the places in turn; the members of a reservation, the guests with open
    items and paymasters stay at the properties (search and open items need a property
    token); a merged-away guest stays in its target's chain.
    """
    guests = copy.deepcopy(world.mews_customers)
    by_id = {guest["Id"]: guest for guest in guests}
    places = [chain for chain, _ in group_places()]
    properties = list(PROPERTY_CHAIN_IDS.values())
    for index, guest in enumerate(guests):
        guest["ChainId"] = places[index % len(places)]
    for index, reservation in enumerate(world.mews_reservations):
        for member in (reservation.get("OwnerId"), *(reservation.get("CompanionIds") or [])):
            if member in by_id:
                by_id[member]["ChainId"] = properties[index % len(properties)]
    for guest in guests:
        if guest["Id"] in world.mews_open_items or "PaymasterAccount" in guest["Classifications"]:
            guest["ChainId"] = properties[0]
    for guest in guests:
        target = by_id.get(guest.get("MergeTargetId") or "")
        if target is not None:
            guest["ChainId"] = target["ChainId"]
    return dataclasses.replace(world, mews_customers=guests)
