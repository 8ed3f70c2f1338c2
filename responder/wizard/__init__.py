"""The person-facing side: the questionary prompter, scripted and answers prompters, the terminal display."""
