"""Skills: the related-skills vocabulary, and how related a mentee's goals are to a mentor."""
