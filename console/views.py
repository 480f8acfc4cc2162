"""Console pages: none yet. The agents' console is its own piece of work; the blueprint is
registered so that its URLs (/console/...) are reserved."""
