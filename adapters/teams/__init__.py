"""Microsoft Teams: neutral messages as Adaptive Cards, and card submissions read back."""
