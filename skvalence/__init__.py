"""skvalence: emotional valence shared by language models and human EEG."""

__version__ = "0.1.0.dev0"
