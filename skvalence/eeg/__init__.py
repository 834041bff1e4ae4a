"""EEG side: channel layout, differential-entropy features, scaling, augmentation."""
