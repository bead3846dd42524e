# Dates as Practica shows them in German ("3. Dezember 2026, 14:05"); anything not set
# here, such as the input formats, comes from Django's own German formats.
DATE_FORMAT = "j. F Y"
SHORT_DATE_FORMAT = "j. N Y"  # N: "Dez.", "März" (abbreviated the German way)
DATETIME_FORMAT = "j. F Y, H:i"
SHORT_DATETIME_FORMAT = "j. N Y, H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j. F"
FIRST_DAY_OF_WEEK = 1
