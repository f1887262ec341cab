from logreg_tui.cli import main

raise SystemExit(main())
