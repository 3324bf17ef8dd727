"""Label Studio labeling configs written in the style of its built-in templates (one per template family),
plus the tag-reference features the templates use: dynamic options, several objects per control,
per-region answers, conditional display, fixed texts, Ranker buckets. Used by test_labelstudio_corpus.py.
"""

TEMPLATES = {
    # --- natural language processing ---
    "text_classification": """
<View>
  <Text name="text" value="$text"/>
  <View style="box-shadow: 2px 2px 5px #999; padding: 20px; margin-top: 2em; border-radius: 5px;">
    <Header value="Choose text sentiment"/>
    <Choices name="sentiment" toName="text" choice="single" showInLine="true">
      <Choice value="Positive"/>
      <Choice value="Negative"/>
      <Choice value="Neutral"/>
    </Choices>
  </View>
</View>""",
    "multi_classification": """
<View>
  <Text name="text" value="$text"/>
  <Taxonomy name="taxonomy" toName="text">
    <Choice value="Archaea"/>
    <Choice value="Bacteria"/>
    <Choice value="Eukarya">
      <Choice value="Human"/>
      <Choice value="Oppossum"/>
      <Choice value="Extraterrestial"/>
    </Choice>
  </Taxonomy>
</View>""",
    "ner": """
<View>
  <Labels name="label" toName="text">
    <Label value="PER" background="red"/>
    <Label value="ORG" background="darkorange"/>
    <Label value="LOC" background="orange"/>
    <Label value="MISC" background="green"/>
  </Labels>
  <Text name="text" value="$text"/>
</View>""",
    "relation_extraction": """
<View>
  <Relations>
    <Relation value="org:founded_by"/>
    <Relation value="org:founded"/>
  </Relations>
  <Labels name="label" toName="text">
    <Label value="Organization" background="orange"/>
    <Label value="Person" background="green"/>
    <Label value="Datetime" background="blue"/>
  </Labels>
  <Text name="text" value="$text"/>
</View>""",
    "question_answering": """
<View>
  <Header value="Please read the passage"/>
  <Text name="text" value="$passage" granularity="word"/>
  <Header value="Select a text span answering the following question:"/>
  <Text name="question" value="$question"/>
  <Labels name="answer" toName="text">
    <Label value="Answer" maxUsages="1" alias="answer"/>
  </Labels>
</View>""",
    "taxonomy_per_region": """
<View>
  <Text name="text" value="$text"/>
  <Labels name="label" toName="text">
    <Label value="Entity" background="green"/>
  </Labels>
  <Taxonomy name="taxonomy" toName="text" perRegion="true" maxUsages="2">
    <Choice value="Place"/>
    <Choice value="Thing"/>
  </Taxonomy>
</View>""",
    "text_summarization": """
<View>
  <Header value="Please read the text"/>
  <Text name="text" value="$text"/>
  <Header value="Provide one sentence summary"/>
  <TextArea name="answer" toName="text" showSubmitButton="true" maxSubmissions="1" editable="true" required="true"/>
</View>""",
    "machine_translation": """
<View>
  <Header value="Translate the text"/>
  <Text name="text" value="$text"/>
  <TextArea name="translation" toName="text" rows="5" editable="true" maxSubmissions="1"/>
</View>""",
    "content_moderation": """
<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="multiple" showInLine="true">
    <Choice value="Flag as offensive"/>
    <Choice value="Flag as hate speech"/>
    <Choice value="Flag as spam"/>
  </Choices>
  <View visibleWhen="choice-selected" whenTagName="sentiment" whenChoiceValue="Flag as spam">
    <TextArea name="reason" toName="text" placeholder="Why is it spam?"/>
  </View>
</View>""",
    "dynamic_choices": """
<View>
  <Text name="text" value="$text"/>
  <Choices name="category" toName="text" value="$options" choice="single"/>
  <Labels name="entity" toName="text" value="$entities"/>
</View>""",
    "html_entity_recognition": """
<View>
  <HyperTextLabels name="ner" toName="text">
    <Label value="Person" background="green"/>
    <Label value="Organization" background="blue"/>
  </HyperTextLabels>
  <HyperText name="text" value="$text"/>
</View>""",
    "dialogue_intent": """
<View>
  <ParagraphLabels name="intent" toName="dialogue">
    <Label value="Greeting"/>
    <Label value="Request"/>
  </ParagraphLabels>
  <Paragraphs name="dialogue" value="$dialogue" layout="dialogue" nameKey="author" textKey="text"/>
  <Choices name="resolved" toName="dialogue">
    <Choice value="Resolved"/>
    <Choice value="Not resolved"/>
  </Choices>
</View>""",
    "coreference": """
<View>
  <Relations>
    <Relation value="coreference"/>
  </Relations>
  <Labels name="mention" toName="text1,text2">
    <Label value="Noun" background="red"/>
    <Label value="Pronoun" background="darkorange"/>
  </Labels>
  <Text name="text1" value="$text1"/>
  <Text name="text2" value="$text2"/>
</View>""",
    # --- computer vision ---
    "image_classification": """
<View>
  <Image name="image" value="$image"/>
  <Choices name="choice" toName="image">
    <Choice value="Adult content"/>
    <Choice value="Weapons"/>
    <Choice value="Violence"/>
  </Choices>
</View>""",
    "object_detection": """
<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="label" toName="image">
    <Label value="Airplane" background="green"/>
    <Label value="Car" background="blue"/>
  </RectangleLabels>
</View>""",
    "semantic_segmentation_polygons": """
<View>
  <Header value="Select label and click the image to start"/>
  <Image name="image" value="$image" zoom="true"/>
  <PolygonLabels name="label" toName="image" strokeWidth="3" pointSize="small" opacity="0.9">
    <Label value="Airplane" background="red"/>
    <Label value="Car" background="blue"/>
  </PolygonLabels>
</View>""",
    "semantic_segmentation_masks": """
<View>
  <Image name="image" value="$image" zoom="true"/>
  <BrushLabels name="tag" toName="image">
    <Label value="Airplane" background="rgba(255, 0, 0, 0.7)"/>
    <Label value="Car" background="rgba(0, 0, 255, 0.7)"/>
  </BrushLabels>
</View>""",
    "keypoints": """
<View>
  <KeyPointLabels name="kp-1" toName="img-1">
    <Label value="Face" background="red"/>
    <Label value="Nose" background="green"/>
  </KeyPointLabels>
  <Image name="img-1" value="$img"/>
</View>""",
    "ocr": """
<View>
  <Image name="image" value="$ocr"/>
  <Labels name="label" toName="image">
    <Label value="Text" background="green"/>
    <Label value="Handwriting" background="blue"/>
  </Labels>
  <Rectangle name="bbox" toName="image" strokeWidth="3"/>
  <Polygon name="poly" toName="image" strokeWidth="3"/>
  <TextArea name="transcription" toName="image" editable="true" perRegion="true" required="true"
            maxSubmissions="1" rows="5" placeholder="Recognized Text" displayMode="region-list"/>
</View>""",
    "pdf_classification": """
<View>
  <Pdf name="pdf" value="$pdf"/>
  <Header value="What kind of document is this?"/>
  <Choices name="doc_type" toName="pdf" choice="single" showInline="true">
    <Choice value="Invoice"/>
    <Choice value="Contract"/>
    <Choice value="Form"/>
  </Choices>
  <Choices name="page_type" toName="pdf" perItem="true">
    <Choice value="Cover"/>
    <Choice value="Body"/>
    <Choice value="Signature"/>
  </Choices>
</View>""",
    "pdf_ocr": """
<View>
  <Pdf name="document" value="$document"/>
  <OcrLabels name="fields" toName="document">
    <Label value="Question" background="#1f77b4"/>
    <Label value="Answer" background="#2ca02c"/>
  </OcrLabels>
  <Labels name="entities" toName="document">
    <Label value="Company"/>
    <Label value="Amount"/>
  </Labels>
  <Relations>
    <Relation value="answer_of"/>
  </Relations>
</View>""",
    "image_captioning": """
<View>
  <Image name="image" value="$captioning"/>
  <Header value="Describe the image:"/>
  <TextArea name="caption" toName="image" placeholder="Enter description here..." rows="5" maxSubmissions="1"/>
</View>""",
    "visual_question_answering": """
<View>
  <Image name="image" value="$image"/>
  <Text name="question" value="$question"/>
  <TextArea name="answer" toName="image" maxSubmissions="1"/>
</View>""",
    "per_region_attributes": """
<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="label" toName="image">
    <Label value="Car" background="blue"/>
    <Label value="Person" background="red"/>
  </RectangleLabels>
  <View visibleWhen="region-selected" whenTagName="label">
    <Choices name="color" toName="image" perRegion="true" whenTagName="label" whenLabelValue="Car"
             visibleWhen="region-selected">
      <Choice value="Red"/>
      <Choice value="Blue"/>
    </Choices>
    <Rating name="visibility" toName="image" perRegion="true" maxRating="3"/>
    <Number name="passengers" toName="image" perRegion="true" min="0" max="9"/>
  </View>
</View>""",
    "magic_wand": """
<View>
  <Image name="image" value="$image" crossOrigin="anonymous"/>
  <Labels name="labels" toName="image">
    <Label value="Cloud" background="blue"/>
  </Labels>
  <MagicWand name="magicwand" toName="image"/>
</View>""",
    # --- audio / speech ---
    "audio_classification": """
<View>
  <Header value="Listen to the audio"/>
  <Audio name="audio" value="$audio"/>
  <Header value="Select its topic"/>
  <Choices name="topic" toName="audio" choice="single-radio" showInline="true">
    <Choice value="Politics"/>
    <Choice value="Business"/>
  </Choices>
</View>""",
    "speaker_segmentation": """
<View>
  <Labels name="label" toName="audio" zoom="true" hotkey="ctrl+enter">
    <Label value="Speaker one" background="#00FF00"/>
    <Label value="Speaker two" background="#12ad59"/>
  </Labels>
  <Audio name="audio" value="$audio"/>
</View>""",
    "speech_transcription": """
<View>
  <Labels name="labels" toName="audio">
    <Label value="Speech"/>
    <Label value="Noise"/>
  </Labels>
  <Audio name="audio" value="$audio"/>
  <TextArea name="transcription" toName="audio" rows="2" editable="true" perRegion="true" required="true"/>
</View>""",
    "audio_rating": """
<View>
  <Audio name="audio" value="$audio"/>
  <Rating name="rating" maxRating="5" icon="star" size="medium"/>
</View>""",
    # --- conversational AI / generative AI ---
    "response_ranking": """
<View>
  <Text name="prompt" value="$prompt"/>
  <List name="answers" value="$items" title="Answers"/>
  <Ranker name="rank" toName="answers"/>
</View>""",
    "search_relevance_buckets": """
<View>
  <Text name="query" value="$query"/>
  <List name="results" value="$items" title="Search results"/>
  <Ranker name="rank" toName="results">
    <Bucket name="relevant" title="Relevant results"/>
    <Bucket name="irrelevant" title="Irrelevant results"/>
  </Ranker>
</View>""",
    "pairwise_comparison": """
<View>
  <Header value="Which one is better?"/>
  <Text name="text1" value="$text1"/>
  <Text name="text2" value="$text2"/>
  <Pairwise name="comparison" toName="text1,text2" selectionStyle="background-color: #27D0C0"/>
</View>""",
    "llm_evaluation": """
<View>
  <Text name="guide" value="Read the guide before you start: rate helpfulness and harmlessness."/>
  <Text name="prompt" value="$prompt"/>
  <Text name="response" value="$response"/>
  <Rating name="helpfulness" toName="response" maxRating="10"/>
  <Choices name="harmful" toName="response" required="true">
    <Choice value="Harmless"/>
    <Choice value="Harmful"/>
  </Choices>
  <TextArea name="why" toName="response" visibleWhen="choice-selected" whenTagName="harmful"
            whenChoiceValue="Harmful"/>
  <Number name="confidence" toName="response" min="0" max="100" step="1"/>
</View>""",
    "table_classification": """
<View>
  <Table name="table" value="$item"/>
  <Choices name="label" toName="table">
    <Choice value="Valid"/>
    <Choice value="Invalid"/>
  </Choices>
</View>""",
    # --- time series / video ---
    "time_series_segmentation": """
<View>
  <TimeSeriesLabels name="label" toName="ts">
    <Label value="Run" background="red"/>
    <Label value="Walk" background="green"/>
  </TimeSeriesLabels>
  <TimeSeries name="ts" value="$timeseries" valueType="json" timeColumn="time">
    <Channel column="velocity" legend="Velocity" strokeColor="#1f77b4"/>
    <Channel column="acceleration" legend="Acceleration" strokeColor="#ff7f0e"/>
  </TimeSeries>
</View>""",
    "video_classification": """
<View>
  <Video name="video" value="$video"/>
  <Choices name="videoClassification" toName="video" choice="multiple">
    <Choice value="Cats"/>
    <Choice value="Dogs"/>
  </Choices>
</View>""",
    "video_object_tracking": """
<View>
  <Labels name="videoLabels" toName="video">
    <Label value="Man" background="blue"/>
    <Label value="Woman" background="red"/>
  </Labels>
  <Video name="video" value="$video"/>
  <VideoRectangle name="box" toName="video"/>
</View>""",
    "video_timeline_segmentation": """
<View>
  <Video name="video" value="$video"/>
  <TimelineLabels name="timeline" toName="video">
    <Label value="Nothing"/>
    <Label value="Movement"/>
  </TimelineLabels>
</View>""",
    "multi_page_images": """
<View>
  <Image name="pages" valueList="$images"/>
  <RectangleLabels name="regions" toName="pages">
    <Label value="Signature" background="red"/>
    <Label value="Stamp" background="blue"/>
  </RectangleLabels>
</View>""",
    "event_dates": """
<View>
  <Text name="text" value="$text"/>
  <DateTime name="when" toName="text" only="date" min="2000-01-01" required="true"/>
  <DateTime name="at" toName="text"/>
</View>""",
    "styled_layout": """
<View>
  <Style>.lw { color: red; }</Style>
  <Filter name="filter" toName="labels" hotkey="shift+f" minlength="0"/>
  <Collapse><Panel value="Details"><Text name="text" value="$text"/></Panel></Collapse>
  <Labels name="labels" toName="text">
    <Label value="A"/>
  </Labels>
</View>""",
}

# Configs using tags labelwise cannot hold: each lost control must be named in a warning.
UNSUPPORTED = {
    "ellipse": '<View><Image name="i" value="$i"/><EllipseLabels name="e" toName="i"><Label value="a"/>'
               '</EllipseLabels><Choices name="c" toName="i"><Choice value="x"/></Choices></View>',
}
