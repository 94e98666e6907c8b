POLICY: dict = {}  # the demo domain has commands only, no pages
