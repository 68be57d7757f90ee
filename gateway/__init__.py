"""A GraphQL gateway that unifies the Fullwhere Partner API and the Mews Connector API."""

__version__ = "0.1.0"
