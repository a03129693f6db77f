# Dates as the pages write them in English: "3 Dec 2026, 08:36" (24-hour, day first).
DATETIME_FORMAT = "j M Y, H:i"
DATE_FORMAT = "j M Y"
