"""The dispatch layer: server pushes decoded and handed to the event hub (:mod:`.inbound`)."""
