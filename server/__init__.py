"""Knotenpunkt: live workspace for an alliance of member organisations."""
