"""Storing the country: the real hierarchy (provinces → prefectures → counties with the packaged outlines and
boundary lines), with whatever units below county level the caller adds (the demo's, or none for a real
deployment, which then imports its counties' code lists: README, "Onboarding a real county")."""
from __future__ import annotations

from data.definitions.access import Access
from data.store.storage import Storage
from geo import packaged
from geo.hierarchy import Region, build_real_hierarchy


def store_country(storage: Storage, access: Access, regions: dict[str, Region], facts: dict[str, str]) -> None:
    """Replace every stored region, outline and boundary line by ``regions`` (and the packaged lines)."""
    storage.replace_regions(
        access,
        records=[r.to_row() for r in regions.values()],
        outlines=[r.outline_row(layer) for r in regions.values() for layer in r.outlines],
        lines=[{"name": name, "source": packaged.SOURCE, "geometry": geometry}
               for name, geometry in packaged.load_boundary_lines()],
        facts={"boundary_source": packaged.SOURCE, **facts},
    )


def load_country(storage: Storage, access: Access) -> dict[str, Region]:
    """Store the real hierarchy down to counties and nothing below (a deployment without demo data)."""
    regions = dict(build_real_hierarchy())
    store_country(storage, access, regions, {"counties_in_scope": "[]"})
    return regions
