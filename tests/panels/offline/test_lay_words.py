"""Lay and clinical wordings of non-pain findings (panels/offline/lay_words.py and
lay_phrasings.py): one row per way of saying a finding, and the readings they must not give.
Hand-written sentences, none taken from the development or held-out sets."""

from __future__ import annotations

import pytest

from tests.panels.offline.members import present


@pytest.mark.parametrize(
    ("text", "token"),
    [
        # Purulent nasal discharge and loss of smell or taste.
        ("Thick green discharge from his nose for a week.", "E_182"),
        ("What I blow out of my nose is yellow-green.", "E_182"),
        ("She has green snot and a headache.", "E_182"),
        ("Since the cold I can't taste anything.", "E_103"),
        ("Loss of taste and smell for 3 days.", "E_103"),
        # A runny nose and sneezing in a patient's or parent's words.
        ("He sneezes all morning.", "E_181"),
        ("A sniffly toddler, otherwise well.", "E_181"),
        ("My nose is streaming.", "E_181"),
        # Itchy palate, nose and eyes said with a verb.
        ("In spring the roof of her mouth itches.", "E_169"),
        ("Itchy palate and sneezing.", "E_169"),
        ("His eyes get really itchy outdoors.", "E_170"),
        ("itchy watery eyes every summer", "E_170"),
        # Ptosis in any tense.
        ("Her right eyelid droops by the evening.", "E_172"),
        ("Lately his eyelids keep drooping when he reads.", "E_172"),
        # An acute dystonic reaction.
        ("After the injection his jaw is stiff and locked.", "E_205"),
        ("Jaw stiff, cannot open her mouth.", "E_205"),
        ("Her eyes keep rolling upwards.", "E_180"),
        ("eyes fixed looking upward for an hour", "E_180"),
        ("He says his tongue feels thick.", "E_168"),
        ("tongue sticking out, neck twisted", "E_168"),
        # Inguinal hernia: a groin lump that grows on straining.
        ("There is a lump in his left groin.", "E_133_@_V_17"),
        ("A soft groin bulge, reducible.", "E_129"),
        ("The bulge gets bigger when he strains or lifts.", "E_221"),
        ("61M, bulge L groin for 6 weeks.", "E_133_@_V_17"),
        ("O/E firm reducible swelling just above the pubic tubercle.", "E_129"),
        # Whooping cough: the whoop and post-tussive vomiting.
        ("Bouts of coughing, then she gasps in with a loud whooping noise.", "E_112"),
        ("He coughs and coughs until he vomits.", "E_166"),
        ("runs of ten or twelve coughs without a breath", "E_203"),
        # More or coloured sputum.
        ("He is coughing up green stuff every morning.", "E_77"),
        ("She is spitting yellow since Sunday.", "E_77"),
        # A face that feels full, a child's ear, bilateral weakness and numb feet.
        ("My face feels full when I bend over.", "E_55_@_V_108"),
        ("4yo with right otalgia since last night.", "E_55_@_V_129"),
        ("Toddler tugging L ear all night.", "E_55_@_V_130"),
        ("weakness creeping up both legs", "E_84"),
        ("glove and stocking numbness", "E_93"),
        ("Her jaw tires when she chews and her voice goes nasal.", "E_38"),
        ("nasal speech after talking for a while", "E_63"),
        # A scratchy painful throat is a sore throat.
        ("scratchy painful throat since Monday", "E_97"),
        # A face that flushes, said with a verb.
        ("After the curry my face and neck went bright red.", "E_92"),
        ("Her cheeks suddenly turned red and hot.", "E_92"),
    ],
)
def test_a_lay_wording_reads_its_finding(kb, text, token):
    assert token in present(text, kb), text


@pytest.mark.parametrize(
    ("text", "token"),
    [
        # Fits of coughing or sneezing are not convulsions.
        ("She coughs in fits, worse at night.", "E_43"),
        ("Well between the fits of coughing.", "E_43"),
        ("Between the fits he plays normally.", "E_43"),
        ("sneezing fits every morning", "E_43"),
        ("The cough comes in fits and starts.", "E_43"),
        # A denied groin lump is no lesion; a pain worse on coughing is not a hernia's strain.
        ("No groin bulge and no cough impulse.", "E_129"),
        ("Chest pain worse when I cough.", "E_221"),
        # A swelling pushed back (a hernia's lump) or at the pubic tubercle is no oedema.
        ("A soft reducible swelling, non-tender.", "E_151"),
        ("Tender swelling over the pubic tubercle since the fall.", "E_151"),
        # Breathing in with a cough is no whoop; opening the mouth fine is no trismus.
        ("Cough, and it hurts when I breathe in.", "E_112"),
        ("I can open my mouth fine.", "E_205"),
        # Jaundiced eyes with an itchy skin are not itchy eyes.
        ("Yellow skin and eyes, itch all over.", "E_170"),
        # A face reddening in a coughing fit (a whooping cough's) is no flush; nor a denied one.
        ("His face turns red when he is coughing.", "E_92"),
        ("My face did not go red, no rash.", "E_92"),
    ],
)
def test_a_lay_wording_does_not_read_a_neighbouring_finding(kb, text, token):
    assert token not in present(text, kb), text
