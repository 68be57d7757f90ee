"""GraphQL types for a Fullwhere customer record and its per-source `metadata` blocks.

Every type here is derived from its TypedDict in `gateway.upstream.fullwhere_types`
(`gateway.graphql.shapes`): fields carry the upstream key as their Python name and are read
with `dict.get`. The only wrapping is in `metadata_entries`, which tags each metadata block
with its source so the `CustomerMetadata` union can tell the 21 block types apart; every block
type also implements the `MetadataBlock` interface (`source` and the block as JSON), so one
selection reads all blocks without an alias.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Union, cast, get_args

import strawberry

from gateway.graphql.base import JSON
from gateway.graphql.shapes import upstream_type
from gateway.upstream import fullwhere_types as fw

__all__ = [
    "METADATA_TYPES",
    "CustomerMetadata",
    "FullwhereProfile",
    "MetadataBlock",
    "MetadataBlockInterface",
    "Tag",
    "metadata_entries",
]


class MetadataBlock(dict[str, Any]):
    """One upstream metadata block, tagged with the source key it was found under.

    Still a dict, so `resolve_attribute` reads its fields by key like any upstream record;
    the tag is what the union members' `is_type_of` look at.
    """

    __slots__ = ("source",)

    def __init__(self, source: str, block: Mapping[str, Any]) -> None:
        super().__init__(block)
        self.source = source


def _block_source(root: strawberry.Parent[MetadataBlock]) -> str:
    return root.source


def _block_raw(root: strawberry.Parent[MetadataBlock]) -> JSON:
    return cast(JSON, dict(root))


@strawberry.interface(
    name="MetadataBlock",
    description=(
        "What every Fullwhere metadata block has, whatever its source: select "
        "`metadata { ... on MetadataBlock { source raw } }` to read all blocks of a customer "
        "in one selection, next to the typed fields of each block type."
    ),
)
class MetadataBlockInterface:
    """Base of the `CustomerMetadata` members; each sets `SOURCE` to its block's key."""

    SOURCE: ClassVar[str] = ""

    source: str = strawberry.field(
        resolver=_block_source,
        description="The key of this block in Fullwhere's `metadata` object, e.g. `zelty`.",
    )
    raw: JSON = strawberry.field(
        resolver=_block_raw,
        description="The whole block exactly as Fullwhere sent it, as one JSON object.",
    )

    @classmethod
    def is_type_of(cls, obj: object, _info: object) -> bool:
        return isinstance(obj, MetadataBlock) and obj.source == cls.SOURCE


def _as_stored(what: str) -> str:
    return f"{what}, as Fullwhere stores it."


@upstream_type(
    fw.GoogleMyBusinessMetadata, description=_as_stored("Google Business Profile reviewer")
)
class GoogleMyBusinessMetadata(MetadataBlockInterface):
    SOURCE = "googleMyBusiness"


@upstream_type(fw.ZeltyAddress, description="A delivery address of a Zelty customer.")
class ZeltyAddress:
    pass


@upstream_type(fw.ZeltyMetadata, description=_as_stored("Zelty (restaurant POS) customer record"))
class ZeltyMetadata(MetadataBlockInterface):
    SOURCE = "zelty"


@upstream_type(fw.ZenchefOptin, description="A Zenchef consent record.")
class ZenchefOptin:
    pass


@upstream_type(
    fw.ZenchefMetadata,
    description=_as_stored("Zenchef (restaurant bookings) customer sheet"),
    # Zenchef sends both `restaurantid` and `restaurant_id`; camel case would leave two names
    # that differ only in one capital.
    names={"restaurantid": "restaurantIdNoUnderscore"},
)
class ZenchefMetadata(MetadataBlockInterface):
    SOURCE = "zenchef"


@upstream_type(fw.JuxtaMetadata, description=_as_stored("Juxta (healthcare scheduling) patient"))
class JuxtaMetadata(MetadataBlockInterface):
    SOURCE = "juxta"


@upstream_type(
    fw.SalesforceDentego,
    description=(
        "Dentego appointment record from Salesforce: the org's custom fields, named by their "
        "Salesforce API names exactly (`__c` marks a custom field; the French words lost their "
        "accents to underscores, `P_rim_tre_r_gional__c` is `Périmètre régional`)."
    ),
    verbatim=True,
)
class SalesforceDentego:
    pass


@upstream_type(
    fw.SalesforceMetadata,
    description=_as_stored("Salesforce CRM records about the customer"),
)
class SalesforceMetadata(MetadataBlockInterface):
    SOURCE = "salesforce"


@upstream_type(fw.DeliverooMetadata, description=_as_stored("Deliveroo (food delivery) customer"))
class DeliverooMetadata(MetadataBlockInterface):
    SOURCE = "deliveroo"


@upstream_type(fw.TripadvisorMetadata, description=_as_stored("Tripadvisor reviewer"))
class TripadvisorMetadata(MetadataBlockInterface):
    SOURCE = "tripadvisor"


@upstream_type(fw.BookingMetadata, description=_as_stored("Booking.com reviewer"))
class BookingMetadata(MetadataBlockInterface):
    SOURCE = "booking"


@upstream_type(fw.UbereatsMetadata, description=_as_stored("Uber Eats (food delivery) customer"))
class UbereatsMetadata(MetadataBlockInterface):
    SOURCE = "ubereats"


@upstream_type(fw.SevenroomsMetadata, description=_as_stored("SevenRooms (hospitality CRM) client"))
class SevenroomsMetadata(MetadataBlockInterface):
    SOURCE = "sevenrooms"


@upstream_type(fw.FacebookMetadata, description=_as_stored("Facebook (Messenger) user profile"))
class FacebookMetadata(MetadataBlockInterface):
    SOURCE = "facebook"


@upstream_type(fw.InstagramMetadata, description=_as_stored("Instagram user profile"))
class InstagramMetadata(MetadataBlockInterface):
    SOURCE = "instagram"


@upstream_type(fw.WhatsappProfile, description="The WhatsApp profile of a contact.")
class WhatsappProfile:
    pass


@upstream_type(fw.WhatsappMetadata, description=_as_stored("WhatsApp contact"))
class WhatsappMetadata(MetadataBlockInterface):
    SOURCE = "whatsapp"


@upstream_type(
    fw.MewsCustomerAddress,
    name="MewsMetadataAddress",
    description="Address of the Mews customer copy kept in Fullwhere metadata.",
)
class MewsMetadataAddress:
    pass


@upstream_type(
    fw.MewsCustomerRecord,
    name="MewsMetadataCustomer",
    description=(
        "The Mews customer as Fullwhere copied it into its metadata, in Mews spelling; the live "
        "record is `MewsProfile`."
    ),
)
class MewsMetadataCustomer:
    pass


@upstream_type(
    fw.MewsDocument,
    name="MewsMetadataDocument",
    description="An identity document of the Mews customer copy kept in Fullwhere metadata.",
)
class MewsMetadataDocument:
    pass


@upstream_type(fw.MewsMetadata, description=_as_stored("Mews (hotel PMS) customer and documents"))
class MewsMetadata(MetadataBlockInterface):
    SOURCE = "mews"


@upstream_type(fw.OracleMembership, description="Loyalty membership of an Oracle guest.")
class OracleMembership:
    pass


@upstream_type(fw.OracleNationality, description="Nationality of an Oracle guest.")
class OracleNationality:
    pass


@upstream_type(fw.OracleVip, description="VIP status of an Oracle guest.")
class OracleVip:
    pass


@upstream_type(
    fw.OracleCountry, name="OracleAddressCountry", description="Country of an Oracle address."
)
class OracleAddressCountry:
    pass


@upstream_type(fw.OracleAddress, description="Address of an Oracle guest.")
class OracleAddress:
    pass


@upstream_type(
    fw.OracleAnonymization, description="Anonymization state of an Oracle guest profile."
)
class OracleAnonymization:
    pass


@upstream_type(fw.OracleProfileId, description="An id of a profile in Oracle.")
class OracleProfileId:
    pass


@upstream_type(fw.OracleAccompanyGuest, description="A guest travelling with the Oracle guest.")
class OracleAccompanyGuest:
    pass


@upstream_type(fw.OracleLastStayRate, description="Rate of an Oracle guest's last stay.")
class OracleLastStayRate:
    pass


@upstream_type(
    fw.OracleLastStayInformation,
    name="OracleGuestLastStayInformation",
    description="The last stay of an Oracle guest.",
)
class OracleGuestLastStayInformation:
    pass


@upstream_type(fw.OracleMetadata, description=_as_stored("Oracle OPERA (hotel PMS) guest profile"))
class OracleMetadata(MetadataBlockInterface):
    SOURCE = "oracle"


@upstream_type(fw.PartoucheMetadata, description=_as_stored("Partouche (casino group) contact"))
class PartoucheMetadata(MetadataBlockInterface):
    SOURCE = "partouche"


@upstream_type(fw.ComoMembership, description="Loyalty membership of a Como member.")
class ComoMembership:
    pass


@upstream_type(fw.ComoAsset, description="An asset (gift, benefit) of a Como member.")
class ComoAsset:
    pass


@upstream_type(fw.ComoMetadata, description=_as_stored("Como (loyalty platform) member"))
class ComoMetadata(MetadataBlockInterface):
    SOURCE = "como"


@upstream_type(
    fw.ExperienceMetadata,
    description=_as_stored("Guest experience (hotel survey) respondent"),
)
class ExperienceMetadata(MetadataBlockInterface):
    SOURCE = "experience"


@upstream_type(
    fw.AutoGestionMetadata,
    description="Customer entered through Fullwhere self-service (auto-gestion) forms.",
)
class AutoGestionMetadata(MetadataBlockInterface):
    SOURCE = "autoGestion"


@upstream_type(fw.TheForkOptins, description="Consents of a TheFork customer.")
class TheForkOptins:
    pass


@upstream_type(
    fw.TheForkCustomField, description="A restaurant-defined field of a TheFork customer."
)
class TheForkCustomField:
    pass


@upstream_type(fw.TheForkMetadata, description=_as_stored("TheFork (restaurant bookings) customer"))
class TheForkMetadata(MetadataBlockInterface):
    SOURCE = "theFork"


# --- import: an open string map, the one block without a fixed shape ----------------------


@strawberry.type(
    name="ImportMetadata",
    description="The key/value strings given as `metadata` when the customer was imported.",
)
class ImportMetadata(MetadataBlockInterface):
    SOURCE = "import"
    data: JSON = strawberry.field(
        resolver=_block_raw, description="The imported key/value pairs, as one JSON object."
    )


# --- the union ---------------------------------------------------------------------------

CustomerMetadata = Annotated[
    Union[  # noqa: UP007 - strawberry.union needs the explicit Union inside Annotated
        GoogleMyBusinessMetadata,
        ZeltyMetadata,
        ZenchefMetadata,
        JuxtaMetadata,
        SalesforceMetadata,
        DeliverooMetadata,
        TripadvisorMetadata,
        BookingMetadata,
        UbereatsMetadata,
        SevenroomsMetadata,
        FacebookMetadata,
        InstagramMetadata,
        WhatsappMetadata,
        MewsMetadata,
        OracleMetadata,
        PartoucheMetadata,
        ComoMetadata,
        ExperienceMetadata,
        AutoGestionMetadata,
        TheForkMetadata,
        ImportMetadata,
    ],
    strawberry.union(
        "CustomerMetadata",
        description=(
            "One block of a Fullwhere customer's `metadata`: what one connected source "
            "(Zelty, Zenchef, Mews, ...) knows about the customer. `source` names the block."
        ),
    ),
]

# The union's members, in the order Fullwhere documents the blocks; `metadata` lists them in
# this order.
_METADATA_CLASSES = cast(
    tuple[type[MetadataBlockInterface], ...], get_args(get_args(CustomerMetadata)[0])
)

METADATA_TYPES: dict[str, type[Any]] = {cls.SOURCE: cls for cls in _METADATA_CLASSES}
"""Fullwhere metadata source key → the GraphQL type of its block, in documented order."""


def metadata_entries(metadata: Mapping[str, Any] | None) -> list[MetadataBlock]:
    """The known, non-null blocks of a Fullwhere `metadata` object, in documented order.

    Blocks from sources this gateway does not know yet, and blocks that are not objects,
    are left out rather than failing the whole customer.
    """
    if not isinstance(metadata, Mapping):
        return []
    entries: list[MetadataBlock] = []
    for source in METADATA_TYPES:
        block = metadata.get(source)
        if isinstance(block, Mapping):
            entries.append(MetadataBlock(source, block))
    return entries


# --- the customer ------------------------------------------------------------------------


def _profile_metadata(root: strawberry.Parent[Mapping[str, Any]]) -> list[CustomerMetadata]:
    return cast(list[CustomerMetadata], metadata_entries(root.get("metadata")))


@upstream_type(fw.FullwhereTag, name="Tag", description="A tag put on a Fullwhere customer.")
class Tag:
    pass


@upstream_type(
    fw.FullwhereCustomer,
    name="FullwhereProfile",
    description="The customer record as the Fullwhere customer data platform holds it.",
)
class FullwhereProfile:
    metadata: list[CustomerMetadata] = strawberry.field(
        resolver=_profile_metadata,
        description="What each connected source knows about the customer, one entry per source.",
    )

    @classmethod
    def is_type_of(cls, obj: object, _info: object) -> bool:
        # Fullwhere keys are lower camel case ("id"); a Mews customer has "Id" and "ChainId".
        return (
            isinstance(obj, dict)
            and not isinstance(obj, MetadataBlock)
            and "id" in obj
            and "ChainId" not in obj
        )
