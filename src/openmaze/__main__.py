from openmaze.cli import main

raise SystemExit(main())
