"""Private machinery of :mod:`synth.stats`: array statistics that know nothing of coded data
(:mod:`.core`) and agreement between coders (:mod:`.reliability`). Import from :mod:`synth.stats`."""

__all__: list[str] = []
