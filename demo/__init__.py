"""Data made up for trying the app, apart from the rules it obeys
(domain/): the sample customers, agreements, help center and staff of
`make run` (sample.py, `flask demo load`), and customers by the thousand
for measuring (scale.py, `flask demo --scale N`; bench/ times the pages
with it). Both write through domain/ and models, the way the app does."""
