"""duecourse: due process enforced by the software."""
