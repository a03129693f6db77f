# Dates as Chinese readers write them: "2026年12月3日 08:36" (24-hour).
DATETIME_FORMAT = "Y年n月j日 H:i"
DATE_FORMAT = "Y年n月j日"
