"""Review and quality: consensus, gold questions, adjudication, reviews and the quality report."""
