"""Objects with methods handed to bots: ``Clan``, ``TextChannel``, ``History``, ``User``."""
