"""``python -m motcua.pipeline <stage> <YYYY-MM-DD> <run_id>``: one stage in its own process."""

from motcua.pipeline.stages import main

raise SystemExit(main())
