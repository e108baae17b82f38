"""Inventory logic shared by the API and the conductor: variable
inheritance through the places hierarchy, capacity arithmetic and the
Ansible view. Pure functions over dicts from the database layer."""
