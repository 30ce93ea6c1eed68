"""The back office's forms, one module per part of it (views/staff/)."""
