"""`flask ivr call`: a person walks the line from a terminal."""


def test_a_person_can_file_a_case_from_the_terminal(app):
    keys = "\n".join(["3", "2", "201", "1", "1", "", "", "", "", "", ""]) + "\n"  # the survey: twice silent
    result = app.test_cli_runner().invoke(args=["ivr", "call"], input=keys)
    assert result.exit_code == 0, result.output
    assert "Pour le français, tapez 3." in result.output
    assert "(beep: recording)" in result.output
    assert "Caisse nationale de sécurité sociale" in result.output
    assert "call ended" in result.output


def test_q_hangs_up(app):
    result = app.test_cli_runner().invoke(args=["ivr", "call"], input="q\n")
    assert result.exit_code == 0 and "call ended" in result.output
