# Dates as Practica shows them in English; anything not set here comes from Django's
# own English formats. Templates name these formats ("DATE_FORMAT", ...) instead of
# writing patterns, so every page shows a date the same way in each language.
DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
FIRST_DAY_OF_WEEK = 1  # Monday, as in the weekly digest
