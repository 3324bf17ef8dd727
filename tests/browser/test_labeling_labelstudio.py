"""A project made from a Label Studio config, labeled in a real browser: a fixed text, options from the
task data, a control shown only after a choice, a per-region choice shown for the selected region of
one label, and Ranker buckets."""

from labelwise.formats.labelstudio_config import convert
from tests.browser.test_labeling_support import current_task_id, open_labeling, wait_next_task

CONFIG = """
<View>
  <Text name="guide" value="Mark every person, then pick a topic."/>
  <Text name="text" value="$text"/>
  <Labels name="ents" toName="text"><Label value="Person"/><Label value="Place"/></Labels>
  <Choices name="kind" toName="text" perRegion="true" visibleWhen="region-selected" whenTagName="ents"
           whenLabelValue="Person"><Choice value="real"/><Choice value="fictional"/></Choices>
  <Choices name="topic" toName="text" value="$topics"/>
  <TextArea name="why" toName="text" visibleWhen="choice-selected" whenTagName="topic" whenChoiceValue="other"/>
  <DateTime name="when" toName="text" only="date"/>
  <List name="items" value="$items"/>
  <Ranker name="rank" toName="items"><Bucket name="good" title="Good"/><Bucket name="bad" title="Bad"/></Ranker>
</View>
"""

ROW = {"text": "Ada met Bob in Rome.", "topics": [{"value": "science"}, {"value": "other"}],
       "items": [{"id": "i1", "title": "One", "body": "first"}, {"id": "i2", "title": "Two", "body": "second"}]}


def test_label_studio_features_on_the_labeling_page(page, web_server, web_session):
    schema, warnings = convert(CONFIG)
    assert warnings == []
    ctx = open_labeling(page, web_server, web_session, schema, [ROW, ROW])
    first = current_task_id(page)
    assert "Mark every person" in page.inner_text("[data-object=guide]")
    assert page.locator("[data-control=why]").is_hidden()
    assert page.locator("[data-control=kind]").is_hidden()
    assert page.locator("[data-control=topic] .lw-choice").evaluate_all("b => b.map(x => x.dataset.option)") == [
        "science", "other"]
    page.click("[data-control=topic] .lw-choice[data-option=other]")
    assert page.locator("[data-control=why]").is_visible()
    page.fill("[data-control=why] textarea", "none fits")

    page.click("[data-control=ents] .lw-control-title")
    page.keyboard.press("Control+Shift+ArrowRight")  # "Ada"
    page.keyboard.press(page.inner_text("[data-control=ents] .lw-label[data-label=Person] kbd"))
    assert page.locator("[data-control=kind]").is_visible()  # the new Person region is selected
    page.click("[data-control=kind] .lw-choice[data-option=fictional]")

    page.select_option("[data-control=rank] select[data-item=i2]", "good")
    page.fill("[data-control=when] input", "2024-02-29")
    page.click("[data-control=topic] .lw-control-title")
    page.keyboard.press("Enter")
    wait_next_task(page, first)

    result = ctx.results()[0].result
    [span] = result["ents"]
    assert (span["start"], span["end"], span["label"]) == (0, 3, "Person")
    assert result["kind"] == {span["id"]: "fictional"}
    assert result["topic"] == "other" and result["why"] == "none fits"
    assert result["rank"] == {"good": ["i2"]}
    assert result["when"] == "2024-02-29"


def test_hypertext_shows_its_text_and_spans_count_in_it(page, web_server, web_session):
    schema, warnings = convert('<View><HyperText name="page" value="$html"/><HyperTextLabels name="ner" toName="page">'
                               '<Label value="PER"/></HyperTextLabels></View>')
    html = ('<p>Hi <b>Ann</b> &amp; co<img src=x onerror="document.title=`pwned`"></p>'
            '<script>document.title="pwned"</script>')
    ctx = open_labeling(page, web_server, web_session, schema, [{"html": html}, {"html": html}])
    first = current_task_id(page)
    assert page.inner_text("[data-object=page] .lw-text") == "Hi Ann & co"
    page.click("[data-control=ner] .lw-control-title")
    for _ in range(3):
        page.keyboard.press("Alt+ArrowRight")  # caret after "Hi "
    page.keyboard.press("Control+Shift+ArrowRight")  # "Ann"
    page.keyboard.press(page.inner_text("[data-control=ner] .lw-label[data-label=PER] kbd"))
    page.keyboard.press("Enter")
    wait_next_task(page, first)
    [span] = ctx.results()[0].result["ner"]
    assert (span["start"], span["end"], span["text"]) == (3, 6, "Ann")
    assert page.title() != "pwned"
