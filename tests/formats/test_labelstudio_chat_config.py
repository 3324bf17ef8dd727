"""Label Studio `Chat` configs, written like its chat evaluation templates, convert to chat schemas."""

import pytest

from labelwise.formats.labelstudio_config import convert
from labelwise.formats.labelstudio_xml import to_label_config
from labelwise.schema import parse_schema, validate_result

# In the style of Label Studio's "Chatbot Evaluation" / "Evaluate Production Conversations for RLHF" templates.
CHATBOT_EVALUATION = """
<View>
  <Style>
    .chat { border: 1px solid #ccc; padding: 10px; border-radius: 5px; }
    .evaluation { border: 2px solid #cc854f; padding: 10px; }
  </Style>
  <View style="display: flex; gap: 24px;">
    <View className="chat" style="flex: 2;">
      <Chat name="chat" value="$messages" editable="assistant" minMessages="2" />
    </View>
    <View className="evaluation" style="flex: 1;">
      <View className="overall-chat">
        <Header value="Rate the whole conversation" />
        <Rating name="overall_rating" toName="chat" maxRating="5" required="true" />
        <Choices name="resolved" toName="chat" choice="single-radio" showInline="true">
          <Choice value="Resolved" />
          <Choice value="Partially resolved" />
          <Choice value="Not resolved" />
        </Choices>
        <TextArea name="overall_comment" toName="chat" placeholder="Anything else?" rows="3" />
      </View>
      <View visibleWhen="region-selected" whenRole="assistant">
        <Header value="Rate the selected reply" />
        <Rating name="response_quality" toName="chat" perRegion="true" maxRating="5" />
        <Choices name="response_issues" toName="chat" perRegion="true" choice="multiple">
          <Choice value="Incorrect" />
          <Choice value="Unsafe" />
          <Choice value="Off-topic" />
          <Choice value="Ignores instructions" />
        </Choices>
        <TextArea name="response_critique" toName="chat" perRegion="true" />
      </View>
      <View visibleWhen="region-selected" whenRole="user">
        <Choices name="user_intent" toName="chat" perRegion="true">
          <Choice value="Question" />
          <Choice value="Complaint" />
          <Choice value="Chit-chat" />
        </Choices>
      </View>
    </View>
  </View>
</View>
"""

# A red-teaming config: an LLM-backed chat whose messages get span labels.
RED_TEAM = """
<View>
  <Chat name="conversation" value="$chat" llm="openai/gpt-4o" messageroles="user" editable="true" />
  <Labels name="harm" toName="conversation">
    <Label value="Jailbreak" background="#ff0000" />
    <Label value="Personal data" background="#0000ff" />
  </Labels>
  <Rating name="risk" toName="conversation" maxRating="3" />
</View>
"""


def test_chatbot_evaluation_template_converts_to_per_message_controls():
    schema, warnings = convert(CHATBOT_EVALUATION)
    assert schema["objects"] == {"chat": {"type": "chat", "field": "messages"}}
    controls = schema["controls"]
    assert controls["overall_rating"] == {"type": "rating", "object": "chat", "required": True, "max": 5,
                                       "description": "Rate the whole conversation"}  # the <Header> above it
    assert controls["resolved"]["options"] == ["Resolved", "Partially resolved", "Not resolved"]
    assert "per_message" not in controls["resolved"] and controls["overall_comment"]["type"] == "text"
    for name in ("response_quality", "response_issues", "response_critique"):
        assert controls[name]["per_message"] is True and controls[name]["roles"] == ["assistant"], name
    assert controls["response_issues"]["multiple"] is True
    assert controls["user_intent"]["roles"] == ["user"]
    assert controls["chat_edit"] == {"type": "edit", "object": "chat"}
    assert warnings == ['<Chat name="chat">: annotators cannot add messages here; '
                        'messageroles/minMessages/maxMessages are ignored']
    parsed = parse_schema(schema)
    data = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    result = {"overall_rating": 4, "response_quality": {"1": 5}, "user_intent": {"0": "Chit-chat"},
              "chat_edit": {"1": "Hello! How can I help?"}}
    assert validate_result(parsed, data, result) == result


def test_llm_chat_with_labels_converts_with_warnings():
    schema, warnings = convert(RED_TEAM)
    assert schema["objects"]["conversation"] == {"type": "chat", "field": "chat"}
    assert schema["controls"]["harm"]["type"] == "spans"
    assert schema["controls"]["harm"]["colors"] == {"Jailbreak": "#ff0000", "Personal data": "#0000ff"}
    assert schema["controls"]["conversation_edit"]["roles"] == ["system", "user", "assistant", "tool"]
    assert any("llm" in w for w in warnings) and any("cannot add messages" in w for w in warnings)
    parse_schema(schema)


@pytest.mark.parametrize("editable, roles", [("user,assistant", ["user", "assistant"]), ("false", None)])
def test_editable_roles(editable, roles):
    schema, _ = convert(f'<View><Chat name="c" value="$c" editable="{editable}"/>'
                        '<Rating name="r" toName="c"/></View>')
    edit = schema["controls"].get("c_edit")
    assert (edit or {}).get("roles") == roles if roles else edit is None



def test_a_chat_schema_written_as_label_studio_xml_converts_back():
    schema = parse_schema(convert(CHATBOT_EVALUATION)[0])
    xml, left_out = to_label_config(schema)
    assert left_out == ["chat_edit"]
    back, _ = convert(xml)

    def shape(controls):
        keep = ("type", "object", "per_message", "roles", "options", "multiple")
        return {name: {k: v for k, v in spec.items() if k in keep} for name, spec in controls.items() if name != "chat_edit"}
    assert shape(back["controls"]) == shape(schema.to_dict()["controls"])
