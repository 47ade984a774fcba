"""synth: a reproducible research compendium for Thomson, Waterson & Chatterjee (2024).

"Successes and challenges of partnership working to tackle health inequalities using
collaborative approaches to community-based research", International Journal for Equity in Health
23:135, doi:10.1186/s12939-024-02216-1.

The public surface is re-exported here; the modules hold the details:

- :mod:`synth.io`: load and validate coded data (the schema);
- :mod:`synth.published`: the paper's published record, as data;
- :mod:`synth.analysis`: the paper's counting rules;
- :mod:`synth.plots` and :mod:`synth.tables`: Figures 1-8, Tables 1-9 and Appendix 1;
- :mod:`synth.reconstruct` and :mod:`synth.audit`: the reconstructed dataset and its audit;
- :mod:`synth.report`: the papermill report; :mod:`synth.cli`: the command line.
"""

from __future__ import annotations

from . import _exceptions
from ._exceptions import *  # noqa: F403  (the exception family is the public surface)

__version__ = "0.1.0"

__all__ = ["__version__", *_exceptions.__all__]
