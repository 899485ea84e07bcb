"""Checks and helpers the Makefile runs."""
