"""The data contract's names for people: its tables, fields and enumerated values in Chinese and English.

Both languages come from the message catalogs, under the msgids ``label_table_<table>``,
``label_field_<table>_<column>`` and ``label_value_<table>_<column>_<value>`` (named below with ``N_``, so
that extraction keeps them). The Chinese catalog holds the contract's own term (data/definitions/contract.py:
a table's or column's ``zh``, ``contract.label_zh`` for a value); tests/test_messages.py checks that it does
and that every table, field and value of the contract has both.

Screens and the downloads people read (the data page, English downloads) label with these; the interchange
files keep the contract's own bilingual headers and codes (data/ingest/exporter.py), so that imports work.
A table, field or value the catalogs do not name yet (a new contract column) shows its Chinese term with its
code, never a bare code.
"""
from __future__ import annotations

from data.definitions import contract, policy
from data.definitions.messages import N_, TEXTS, language, plural, t

# Every label msgid, one per table, field and value of the contract (a new column: add its msgids here and
# to both catalogs; tests/test_messages.py lists what is missing).
MSGIDS = (
    N_("label_yes"), N_("label_no"), N_("label_table_regions"), N_("label_field_regions_code"),
    N_("label_field_regions_name"), N_("label_field_regions_level"), N_("label_value_regions_level_province"),
    N_("label_value_regions_level_city"), N_("label_value_regions_level_county"),
    N_("label_value_regions_level_township"), N_("label_value_regions_level_village"),
    N_("label_field_regions_parent_code"), N_("label_field_regions_national_key_county"),
    N_("label_field_regions_provincial_key_county"), N_("label_field_regions_former_poverty_county"),
    N_("label_field_regions_urban_rural"), N_("label_value_regions_urban_rural_111"),
    N_("label_value_regions_urban_rural_112"), N_("label_value_regions_urban_rural_121"),
    N_("label_value_regions_urban_rural_122"), N_("label_value_regions_urban_rural_123"),
    N_("label_value_regions_urban_rural_210"), N_("label_value_regions_urban_rural_220"),
    N_("label_field_regions_flag_source"), N_("label_table_households"), N_("label_field_households_household_id"),
    N_("label_field_households_village_code"), N_("label_field_households_size"),
    N_("label_field_households_labour_count"), N_("label_field_households_former_poor"),
    N_("label_field_households_head_name"), N_("label_field_households_head_id_number"),
    N_("label_field_households_head_id_hash"), N_("label_table_members"), N_("label_field_members_person_id"),
    N_("label_field_members_household_id"), N_("label_field_members_age"), N_("label_field_members_sex"),
    N_("label_value_members_sex_male"), N_("label_value_members_sex_female"),
    N_("label_field_members_labour_capacity"), N_("label_value_members_labour_capacity_full"),
    N_("label_value_members_labour_capacity_weak"), N_("label_value_members_labour_capacity_none"),
    N_("label_field_members_health"), N_("label_value_members_health_healthy"),
    N_("label_value_members_health_chronic"), N_("label_value_members_health_serious"),
    N_("label_value_members_health_disabled"), N_("label_field_members_schooling"),
    N_("label_value_members_schooling_not_in_school"), N_("label_value_members_schooling_preschool"),
    N_("label_value_members_schooling_primary"), N_("label_value_members_schooling_junior"),
    N_("label_value_members_schooling_senior"), N_("label_value_members_schooling_vocational"),
    N_("label_value_members_schooling_college"), N_("label_table_monitoring"),
    N_("label_field_monitoring_household_id"), N_("label_field_monitoring_category"),
    N_("label_value_monitoring_category_unstable_former_poor"), N_("label_value_monitoring_category_marginal"),
    N_("label_value_monitoring_category_sudden_hardship"), N_("label_field_monitoring_identified_on"),
    N_("label_field_monitoring_channel"), N_("label_value_monitoring_channel_self_report"),
    N_("label_value_monitoring_channel_cadre_visit"), N_("label_value_monitoring_channel_department_screening"),
    N_("label_field_monitoring_risk_types"), N_("label_value_monitoring_risk_types_illness"),
    N_("label_value_monitoring_risk_types_disability"), N_("label_value_monitoring_risk_types_schooling"),
    N_("label_value_monitoring_risk_types_disaster"), N_("label_value_monitoring_risk_types_accident"),
    N_("label_value_monitoring_risk_types_unstable_employment"),
    N_("label_value_monitoring_risk_types_lack_of_labour"), N_("label_value_monitoring_risk_types_industry_failure"),
    N_("label_value_monitoring_risk_types_housing"), N_("label_value_monitoring_risk_types_drinking_water"),
    N_("label_value_monitoring_risk_types_other"), N_("label_field_monitoring_risk_status"),
    N_("label_value_monitoring_risk_status_not_eliminated"), N_("label_value_monitoring_risk_status_eliminated"),
    N_("label_field_monitoring_eliminated_on"), N_("label_field_monitoring_signal_on"),
    N_("label_field_monitoring_verified_on"), N_("label_table_assistance"), N_("label_field_assistance_household_id"),
    N_("label_field_assistance_measure"), N_("label_value_assistance_measure_industry"),
    N_("label_value_assistance_measure_employment"), N_("label_value_assistance_measure_dibao"),
    N_("label_value_assistance_measure_special_support"), N_("label_value_assistance_measure_temporary_relief"),
    N_("label_value_assistance_measure_education"), N_("label_value_assistance_measure_health"),
    N_("label_value_assistance_measure_housing"), N_("label_value_assistance_measure_drinking_water"),
    N_("label_value_assistance_measure_microcredit"), N_("label_value_assistance_measure_public_welfare_post"),
    N_("label_value_assistance_measure_work_relief"), N_("label_value_assistance_measure_other"),
    N_("label_field_assistance_started_on"), N_("label_field_assistance_amount_yuan"), N_("label_table_income"),
    N_("label_field_income_household_id"), N_("label_field_income_year"),
    N_("label_field_income_per_capita_net_income"), N_("label_field_income_wage"), N_("label_field_income_operating"),
    N_("label_field_income_property"), N_("label_field_income_transfer"), N_("label_table_expenses"),
    N_("label_field_expenses_household_id"), N_("label_field_expenses_period"), N_("label_field_expenses_kind"),
    N_("label_value_expenses_kind_medical"), N_("label_value_expenses_kind_schooling"),
    N_("label_value_expenses_kind_disaster_loss"), N_("label_value_expenses_kind_accident"),
    N_("label_field_expenses_amount_yuan"), N_("label_table_employment"), N_("label_field_employment_person_id"),
    N_("label_field_employment_household_id"), N_("label_field_employment_period"),
    N_("label_field_employment_employed"), N_("label_field_employment_location"),
    N_("label_value_employment_location_in_county"), N_("label_value_employment_location_in_province"),
    N_("label_value_employment_location_out_of_province"), N_("label_value_employment_location_paired_east"),
    N_("label_field_employment_mode"), N_("label_value_employment_mode_outbound"),
    N_("label_value_employment_mode_local"), N_("label_value_employment_mode_workshop"),
    N_("label_value_employment_mode_public_post"), N_("label_value_employment_mode_work_relief"),
    N_("label_value_employment_mode_self_employed"), N_("label_field_employment_monthly_wage"),
    N_("label_table_projects"), N_("label_field_projects_project_id"), N_("label_field_projects_county_code"),
    N_("label_field_projects_village_code"), N_("label_field_projects_name"), N_("label_field_projects_type"),
    N_("label_value_projects_type_planting"), N_("label_value_projects_type_breeding"),
    N_("label_value_projects_type_processing"), N_("label_value_projects_type_tourism"),
    N_("label_value_projects_type_ecommerce"), N_("label_value_projects_type_workshop"),
    N_("label_value_projects_type_other"), N_("label_field_projects_year"),
    N_("label_field_projects_fund_connection"), N_("label_field_projects_fund_east_west"),
    N_("label_field_projects_fund_targeted"), N_("label_field_projects_fund_social"),
    N_("label_field_projects_status"), N_("label_value_projects_status_construction"),
    N_("label_value_projects_status_operating"), N_("label_value_projects_status_idle"),
    N_("label_value_projects_status_failed"), N_("label_field_projects_jobs_created"),
    N_("label_field_projects_households_linked"), N_("label_field_projects_output_value"), N_("label_table_funds"),
    N_("label_field_funds_county_code"), N_("label_field_funds_year"), N_("label_field_funds_use"),
    N_("label_value_funds_use_industry"), N_("label_value_funds_use_employment"),
    N_("label_value_funds_use_infrastructure"), N_("label_value_funds_use_other"), N_("label_field_funds_allocated"),
    N_("label_field_funds_spent"), N_("label_table_collaboration"), N_("label_field_collaboration_east_region"),
    N_("label_field_collaboration_west_code"), N_("label_field_collaboration_year"),
    N_("label_field_collaboration_fiscal_aid"), N_("label_field_collaboration_cadres_sent"),
    N_("label_field_collaboration_talent_sent"), N_("label_field_collaboration_enterprises_landed"),
    N_("label_field_collaboration_investment"), N_("label_field_collaboration_labour_transferred"),
    N_("label_field_collaboration_consumption_sales"), N_("label_field_collaboration_social_aid"),
    N_("label_field_collaboration_talent_received"), N_("label_field_collaboration_people_trained"),
    N_("label_field_collaboration_parks_built"), N_("label_field_collaboration_workers_helped"),
    N_("label_field_collaboration_former_poor"), N_("label_field_collaboration_to_east"),
    N_("label_field_collaboration_in_province"), N_("label_field_collaboration_consumption_bought"),
    N_("label_field_collaboration_consumption_sold"), N_("label_field_collaboration_pairings_township"),
    N_("label_field_collaboration_pairings_village"), N_("label_field_collaboration_pairings_school"),
    N_("label_field_collaboration_pairings_hospital"), N_("label_table_pairings"),
    N_("label_field_pairings_east_region"), N_("label_field_pairings_west_code"), N_("label_field_pairings_kind"),
    N_("label_value_pairings_kind_east_west"), N_("label_value_pairings_kind_targeted"),
    N_("label_field_pairings_unit"), N_("label_field_pairings_start_year"), N_("label_field_pairings_end_year"),
    N_("label_field_pairings_note"), N_("label_table_collaboration_targets"),
    N_("label_field_collaboration_targets_east_region"), N_("label_field_collaboration_targets_west_code"),
    N_("label_field_collaboration_targets_year"), N_("label_field_collaboration_targets_indicator"),
    N_("label_value_collaboration_targets_indicator_fiscal_aid"),
    N_("label_value_collaboration_targets_indicator_cadres_sent"),
    N_("label_value_collaboration_targets_indicator_talent_sent"),
    N_("label_value_collaboration_targets_indicator_enterprises_landed"),
    N_("label_value_collaboration_targets_indicator_investment"),
    N_("label_value_collaboration_targets_indicator_labour_transferred"),
    N_("label_value_collaboration_targets_indicator_consumption_sales"),
    N_("label_value_collaboration_targets_indicator_social_aid"),
    N_("label_value_collaboration_targets_indicator_talent_received"),
    N_("label_value_collaboration_targets_indicator_people_trained"),
    N_("label_value_collaboration_targets_indicator_parks_built"),
    N_("label_value_collaboration_targets_indicator_workers_helped"),
    N_("label_value_collaboration_targets_indicator_former_poor"),
    N_("label_value_collaboration_targets_indicator_to_east"),
    N_("label_value_collaboration_targets_indicator_in_province"),
    N_("label_value_collaboration_targets_indicator_consumption_bought"),
    N_("label_value_collaboration_targets_indicator_consumption_sold"),
    N_("label_value_collaboration_targets_indicator_pairings_township"),
    N_("label_value_collaboration_targets_indicator_pairings_village"),
    N_("label_value_collaboration_targets_indicator_pairings_school"),
    N_("label_value_collaboration_targets_indicator_pairings_hospital"),
    N_("label_field_collaboration_targets_target"), N_("label_table_targeted_assistance"),
    N_("label_field_targeted_assistance_unit"), N_("label_field_targeted_assistance_county_code"),
    N_("label_field_targeted_assistance_year"), N_("label_field_targeted_assistance_funds_direct"),
    N_("label_field_targeted_assistance_funds_introduced"), N_("label_field_targeted_assistance_cadres_seconded"),
    N_("label_field_targeted_assistance_cadres_in_villages"), N_("label_field_targeted_assistance_officials_trained"),
    N_("label_field_targeted_assistance_technicians_trained"), N_("label_field_targeted_assistance_produce_bought"),
    N_("label_field_targeted_assistance_produce_sold"), N_("label_field_targeted_assistance_projects"),
    N_("label_table_teams"), N_("label_field_teams_village_code"), N_("label_field_teams_year"),
    N_("label_field_teams_first_secretary"), N_("label_field_teams_team_size"),
    N_("label_field_teams_dispatch_level"), N_("label_value_teams_dispatch_level_central"),
    N_("label_value_teams_dispatch_level_province"), N_("label_value_teams_dispatch_level_city"),
    N_("label_value_teams_dispatch_level_county"), N_("label_field_teams_days_on_site"), N_("label_table_thresholds"),
    N_("label_field_thresholds_province_code"), N_("label_field_thresholds_year"),
    N_("label_field_thresholds_threshold"), N_("label_field_thresholds_source"), N_("label_table_events"),
    N_("label_field_events_event_id"), N_("label_field_events_region_code"), N_("label_field_events_kind"),
    N_("label_value_events_kind_flood"), N_("label_value_events_kind_drought"),
    N_("label_value_events_kind_earthquake"), N_("label_value_events_kind_landslide"),
    N_("label_value_events_kind_epidemic"), N_("label_value_events_kind_other"), N_("label_field_events_started_on"),
    N_("label_field_events_ended_on"), N_("label_field_events_note"),
    # issue 19: the field verification results table
    N_("label_table_field_verification"), N_("label_field_field_verification_sample_id"),
    N_("label_field_field_verification_household_id"), N_("label_field_field_verification_visited_on"),
    N_("label_field_field_verification_correctly_identified"),
    N_("label_field_field_verification_should_be_monitored"), N_("label_field_field_verification_wrongly_exited"),
    N_("label_field_field_verification_satisfied"), N_("label_field_field_verification_note"),
    N_("label_value_field_verification_correctly_identified_true"),
    N_("label_value_field_verification_correctly_identified_false"),
    N_("label_value_field_verification_correctly_identified_unknown"),
    N_("label_value_field_verification_should_be_monitored_true"),
    N_("label_value_field_verification_should_be_monitored_false"),
    N_("label_value_field_verification_should_be_monitored_unknown"),
    N_("label_value_field_verification_wrongly_exited_true"),
    N_("label_value_field_verification_wrongly_exited_false"),
    N_("label_value_field_verification_wrongly_exited_unknown"),
    N_("label_value_field_verification_satisfied_true"), N_("label_value_field_verification_satisfied_false"),
    N_("label_value_field_verification_satisfied_unknown"),
)


def _text(msgid: str, lang: str, chinese: str, code: str) -> str:
    return TEXTS[language(lang)].get(msgid) or f"{chinese} ({code})"


def table_label(table: str, lang: str) -> str:
    """The name of interchange table ``table`` (农户 / Households)."""
    return _text(f"label_table_{table}", lang, contract.spec_of(table).zh, table)


def field_label(table: str, column: str, lang: str) -> str:
    """The header of ``column`` of ``table`` (户编码 / Household ID)."""
    return _text(f"label_field_{table}_{column}", lang, contract.spec_of(table).column(column).zh, column)


def value_label(table: str, column: str, value: str, lang: str) -> str:
    """One enumerated value of ``column`` (脱贫不稳定户 / unstable former-poor household)."""
    return _text(f"label_value_{table}_{column}_{value}", lang, contract.label_zh(table, column, value), value)


def cell_label(table: str, column: str, value, lang: str):
    """A stored cell as people read it: an enumeration (or a ``;``-list of them) by its terms, a yes/no
    column as yes or no; anything else as it is (a missing value stays missing)."""
    try:
        missing = value is None or bool(value != value)  # None, NaN
    except TypeError:  # pandas' NA, which is neither equal nor unequal
        missing = True
    if missing:
        return value
    kind = contract.spec_of(table).column(column).kind
    if kind == "enum":
        return value_label(table, column, str(value), lang)
    if kind == "enums":
        return t("list_separator", lang).join(value_label(table, column, part, lang)
                                              for part in str(value).split(";") if part)
    if kind == "bool":
        return t("label_yes" if str(value).lower() in ("1", "true") else "label_no", lang)
    return value


# -- units and targets of the metric catalog (data/definitions/metrics.py) --------------------------------
UNIT_TEXTS = {"户": N_("label_unit_households"), "人": N_("label_unit_people"), "元": N_("label_unit_yuan"),
              "%": N_("label_unit_percent"), "天": N_("label_unit_days"), "个": N_("label_unit_projects"),
              "支": N_("label_unit_teams"), "家": N_("label_unit_enterprises"), "元/人": N_("label_unit_yuan_per_person"),
              "百分点": N_("label_unit_points"), "处": N_("label_unit_parks"), "对": N_("label_unit_pairs")}


def unit_text(unit: str, n, lang: str) -> str:
    """A metric's unit (its Chinese ``unit``) after the number ``n``, in ``lang``, singular or plural as ``n``
    asks (1 household, 2 households; 户): :func:`data.definitions.messages.plural` on the catalog's forms."""
    msgid = UNIT_TEXTS.get(unit)
    return plural(t(msgid, lang), n, lang) if msgid else unit


TARGET_NOTES = {"median_days_to_assistance": N_("label_target_median_days_to_assistance"),
                "labourers_employed": N_("label_target_labourers_employed"),
                "funds_industry_share": N_("label_target_funds_industry_share")}


def target_note(metric, lang: str) -> str:
    """A metric's target, in words with its source, in ``lang`` (the catalog's text, its policy numbers from
    data/definitions/policy.py; tests/test_messages.py checks the Chinese against the catalog of metrics)."""
    msgid = TARGET_NOTES.get(metric.code)
    if msgid is None:
        return metric.target_note
    return t(msgid, lang).format(measure_days=policy.MEASURE_TARGET_DAYS,
                                 identification_days=policy.IDENTIFICATION_TARGET_DAYS,
                                 industry_share=policy.INDUSTRY_SHARE_LINE)
