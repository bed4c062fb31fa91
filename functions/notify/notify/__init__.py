"""Texts applicants the result of each review decision (X-NOTIFY-1), from the intake table's stream."""
