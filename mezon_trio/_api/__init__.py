"""The bot API mixed into ``MezonClient`` (issue 5 items 1-2).  Import from the submodules."""
