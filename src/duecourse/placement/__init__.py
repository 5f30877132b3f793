"""Detention placement and removal transport planning (issue 5)."""
