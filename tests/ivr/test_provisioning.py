"""`flask ivr setup-twilio`: the number's webhooks and the queue, through Twilio's REST API."""
import pytest


@pytest.fixture()
def run(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=["ivr", "setup-twilio", *args])


def test_the_number_points_at_this_deployment_and_the_queue_is_sized(app, fake_twilio, run,
                                                                   config):
    fake_twilio.resources["IncomingPhoneNumbers"]["PN1"] = {
        "sid": "PN1", "phone_number": "+212537373737", "voice_url": "https://old.example"}
    result = run("--number", "+212537373737")
    assert result.exit_code == 0, result.output
    number = fake_twilio.resources["IncomingPhoneNumbers"]["PN1"]
    assert number["voice_url"] == "https://ivr.example.test/ivr/voice"
    assert number["status_callback"] == "https://ivr.example.test/ivr/status"
    assert number["voice_method"] == "POST"
    [queue] = fake_twilio.resources["Queues"].values()
    assert queue["friendly_name"] == "agents" and queue["max_size"] == 50
    # Run again with another size: the same queue is updated, not a second one created.
    config(QUEUE_MAX_SIZE=9000)
    assert run("--number", "+212537373737").exit_code == 0
    [queue] = fake_twilio.resources["Queues"].values()
    assert queue["max_size"] == 5000  # Twilio's own maximum


def test_an_unknown_number_is_a_clear_error(app, fake_twilio, run):
    result = run("--number", "+212500000000")
    assert result.exit_code != 0 and "no number +212500000000" in result.output


def test_the_configured_paths_are_the_webhooks_the_app_serves(app):
    from ivr.provisioning import STATUS_PATH
    from ivr.provisioning import VOICE_PATH
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    assert {VOICE_PATH, STATUS_PATH} <= rules
