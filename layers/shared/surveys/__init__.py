"""Post-resolution CES, CSAT and NPS surveys for Kustomer: the code every function shares."""
