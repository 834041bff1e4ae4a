"""The main job: ``skvalence reproduce`` runs the paper's programme step by step."""
