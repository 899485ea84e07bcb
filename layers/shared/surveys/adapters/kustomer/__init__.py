"""Kustomer's REST API as the surveys use it: `client` makes the calls, paced by `pacing`;
`endpoints` holds every path, `permissions` the roles each call needs, `resources` what the
answers hold, and `errors` how a call fails."""
