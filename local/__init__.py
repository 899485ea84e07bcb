"""Local runtime: emulators and wiring that stand in for AWS and Kustomer on a laptop."""
