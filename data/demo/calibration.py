"""Calibration statistics of generated (or imported) data, compared with published figures in tests."""
from __future__ import annotations

import pandas as pd


def statistics(frames: dict[str, pd.DataFrame], key_counties: set[str], flood_counties: set[str]) -> dict:
    households = frames["households"].copy()
    households["county"] = households["village_code"].str[:6] + "000000"
    households["key"] = households["county"].isin(key_counties)
    income = frames["income"].merge(households[["household_id", "size", "former_poor", "key", "county"]],
                                     on="household_id")
    income["total"] = income[["wage", "operating", "property", "transfer"]].sum(axis=1)
    year_2023 = income[income["year"] == 2023]
    by_year = income.groupby("year").apply(lambda g: g["total"].sum() / g["size"].sum(), include_groups=False)
    former = income[income["former_poor"] & (income["year"] == 2024)]
    monitoring = frames["monitoring"].merge(households[["household_id", "key", "county"]], on="household_id")
    assistance = frames["assistance"].copy()
    first = assistance.groupby("household_id")["started_on"].min().rename("first_measure")
    cases = monitoring.merge(first, on="household_id", how="left")
    delay = (pd.to_datetime(cases["first_measure"]) - pd.to_datetime(cases["identified_on"])).dt.days
    employment = frames["employment"]
    rate = employment.groupby("period")["employed"].mean()
    disaster = monitoring[monitoring["risk_types"].str.contains("disaster")]
    funds = frames["funds"]
    industry_share = (funds[funds["use"] == "industry"].groupby(["county_code", "year"])["allocated"].sum()
                      / funds.groupby(["county_code", "year"])["allocated"].sum())
    projects = frames["projects"]
    return {
        "per_capita_income_2023_key": year_2023[year_2023["key"]]["total"].sum() / year_2023[year_2023["key"]]["size"].sum(),
        "per_capita_income_2023_other": year_2023[~year_2023["key"]]["total"].sum() / max(1, year_2023[~year_2023["key"]]["size"].sum()),
        "income_growth": (by_year / by_year.shift(1) - 1).dropna().tolist(),
        "former_poor_wage_share_2024": former["wage"].sum() / former["total"].sum(),
        "monitored_share_key": monitoring["key"].sum() / households["key"].sum(),
        "monitored_share_other": (~monitoring["key"]).sum() / max(1, (~households["key"]).sum()),
        "eliminated_share": (monitoring["risk_status"] == "eliminated").mean(),
        "median_days_to_first_measure": float(delay.median()),
        "spring_festival_dip": float(rate[["2024-02", "2025-01", "2026-02"]].mean() / rate.mean()),
        "employment_rate": float(rate.mean()),
        "disaster_cases_flooded": int(disaster["county"].isin(flood_counties).sum()),
        "disaster_cases_elsewhere": int((~disaster["county"].isin(flood_counties)).sum()),
        "industry_share_mean": float(industry_share.mean()),
        "industry_share_below_55": float((industry_share < 0.55).mean()),
        "project_status_share": projects["status"].value_counts(normalize=True).to_dict(),
    }
