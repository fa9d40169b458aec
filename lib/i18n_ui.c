/*
 * i18n_ui.c - the texts of the staff page (`refgw ui`, SPEC §12), in English
 * and Dutch: the second part of the catalogue of i18n.h, under its rules
 * (looked up by key, every key in every language, placeholders {0}-{9}
 * only). Written for staff of a school or a care organisation, not for
 * engineers: what to do, and what happens when they do it.
 */
#include "i18n_catalogue.h"

#define UI(key) [(key)-MSG_UI_APP_NAME]

const char *const rg_ui_messages[MSG_COUNT - MSG_UI_APP_NAME][RG_LANG_COUNT] = {
    UI(MSG_UI_APP_NAME) = {"Referral gateway", "Verwijsgateway"},
    UI(MSG_UI_SKIP_LINK) = {"Skip to the content", "Direct naar de inhoud"},
    UI(MSG_UI_ORGANISATION) = {"Organisation: {0}", "Organisatie: {0}"},
    UI(MSG_UI_NAV_LABEL) = {"Menu", "Menu"},
    UI(MSG_UI_NAV_SEND) = {"Send", "Versturen"},
    UI(MSG_UI_NAV_INBOX) = {"Inbox", "Ontvangen"},
    UI(MSG_UI_NAV_SENT) = {"Sent", "Verstuurd"},
    UI(MSG_UI_NAV_REPORT) = {"Report", "Rapportage"},
    UI(MSG_UI_FOOTER) =
        {"This page runs on this computer only. Your organisation's certificate "
         "and keys stay in refgw: the browser never sees them.",
         "Deze pagina draait alleen op deze computer. Het certificaat en de "
         "sleutels van uw organisatie blijven in refgw: de browser krijgt ze nooit "
         "te zien."},
    UI(MSG_UI_DATE_TIME) = {"{0} {1} {2}, {3}", "{0} {1} {2}, {3} uur"},

    UI(MSG_UI_SEND_TITLE) = {"Send a referral", "Signaal versturen"},
    UI(MSG_UI_SEND_INTRO) =
        {"Only the fields marked “required” must be filled in. Leave the others on "
         "“Unknown” when you do not know.",
         "Alleen de velden met ‘verplicht’ moeten worden ingevuld. Laat de andere op "
         "‘Onbekend’ staan als u het niet weet."},
    UI(MSG_UI_REQUIRED) = {"required", "verplicht"},
    UI(MSG_UI_FIELD_TO) = {"Recipient", "Ontvanger"},
    UI(MSG_UI_CHOOSE) = {"Choose…", "Kies…"},
    UI(MSG_UI_TO_OPTION) = {"{0} ({1})", "{0} ({1})"},
    UI(MSG_UI_TO_OPTION_E2E) = {"{0} ({1}), encrypted end to end",
                                "{0} ({1}), end-to-end versleuteld"},
    UI(MSG_UI_NO_RECIPIENTS) =
        {"Your organisation may send to no one: the gateway lists no recipient for "
         "you. Ask your administrator.",
         "Uw organisatie mag naar niemand versturen: de gateway noemt geen enkele "
         "ontvanger voor u. Vraag het uw beheerder."},
    UI(MSG_UI_SUBJECT_LEGEND) = {"About the young person", "Over de jongere"},
    UI(MSG_UI_SUBJECT_HINT) =
        {"The recipient sees these with the referral. For the municipality's "
         "figures the gateway counts each of them on its own, never two together.",
         "De ontvanger ziet deze gegevens bij het signaal. Voor de cijfers van de "
         "gemeente telt de gateway ze elk apart, nooit twee samen."},
    UI(MSG_UI_FIELD_BODY) = {"Description", "Beschrijving"},
    UI(MSG_UI_BODY_HINT) =
        {"For the recipient only: names, contact details, what you observed. At "
         "most {0} bytes.",
         "Alleen voor de ontvanger: namen, contactgegevens, wat u heeft gezien. "
         "Hoogstens {0} bytes."},
    UI(MSG_UI_BODY_COUNT) = {"{0} of {1} bytes used", "{0} van {1} bytes gebruikt"},
    UI(MSG_UI_SEND_BUTTON) = {"Send referral", "Signaal versturen"},
    UI(MSG_UI_ERRORS_TITLE) = {"The referral was not sent", "Het signaal is niet "
                                                            "verstuurd"},
    UI(MSG_UI_ERR_REQUIRED) = {"{0}: please fill this in.", "{0}: vul dit in."},
    UI(MSG_UI_ERR_CHOOSE) = {"{0}: please choose one.", "{0}: maak een keuze."},
    UI(MSG_UI_ERR_INVALID) = {"{0}: this value is not allowed.",
                              "{0}: deze waarde is niet toegestaan."},
    UI(MSG_UI_ERR_TOO_LARGE) = {"{0}: too long; at most {1} bytes.",
                                "{0}: te lang; hoogstens {1} bytes."},
    UI(MSG_UI_ERR_TEXT) = {"{0}: contains characters that cannot be sent.",
                           "{0}: bevat tekens die niet verstuurd kunnen worden."},
    UI(MSG_UI_ERR_RECIPIENT) = {"{0}: your organisation may not send to this "
                                "recipient.",
                                "{0}: uw organisatie mag niet naar deze ontvanger "
                                "versturen."},
    UI(MSG_UI_ERR_GATEWAY) = {"The gateway refused the referral: {0}",
                              "De gateway weigerde het signaal: {0}"},
    UI(MSG_UI_ERR_UNREACHABLE) =
        {"The gateway could not be reached ({0}). Your text is kept below: send "
         "again in a moment. Should the first attempt have arrived after all, the "
         "gateway recognises the repeat and keeps one referral.",
         "De gateway was niet bereikbaar ({0}). Uw tekst staat hieronder nog: "
         "verstuur het zo opnieuw. Mocht de eerste poging toch zijn aangekomen, dan "
         "herkent de gateway de herhaling en bewaart hij één signaal."},
    UI(MSG_UI_ERR_LOCAL) = {"The referral could not be prepared: {0}",
                            "Het signaal kon niet worden voorbereid: {0}"},

    UI(MSG_UI_DONE_TITLE) = {"Referral sent", "Signaal verstuurd"},
    UI(MSG_UI_DONE_ID) = {"The gateway has stored it for {0}. Its reference:",
                          "De gateway heeft het opgeslagen voor {0}. Het kenmerk:"},
    UI(MSG_UI_DONE_DUPLICATE) =
        {"The gateway already had this referral: it was sent before. The reference "
         "is that of the first time.",
         "De gateway had dit signaal al: het was eerder verstuurd. Het kenmerk is "
         "dat van de eerste keer."},
    UI(MSG_UI_DONE_E2E) = {"The description is encrypted end to end: only the "
                           "recipient can read it.",
                           "De beschrijving is end-to-end versleuteld: alleen de "
                           "ontvanger kan haar lezen."},
    UI(MSG_UI_DONE_PLAIN) =
        {"The recipient publishes no encryption key, so the description is "
         "protected in transit only: the gateway could read it until the "
         "recipient confirms receipt.",
         "De ontvanger publiceert geen versleutelsleutel. De beschrijving is "
         "daarom alleen onderweg beschermd: de gateway kan haar lezen tot de "
         "ontvanger de ontvangst bevestigt."},
    UI(MSG_UI_DONE_NEXT) = {"Follow it under “Sent”.", "U volgt het onder "
                                                       "‘Verstuurd’."},
    UI(MSG_UI_DONE_NOT_KEPT) =
        {"It could not be added to the list of sent referrals ({0}): write the "
         "reference down.",
         "Het kon niet aan de lijst van verstuurde signalen worden toegevoegd "
         "({0}): noteer het kenmerk."},
    UI(MSG_UI_SEND_ANOTHER) = {"Send another referral", "Nog een signaal versturen"},

    UI(MSG_UI_INBOX_TITLE) = {"Inbox", "Ontvangen signalen"},
    UI(MSG_UI_INBOX_INTRO) =
        {"Referrals waiting for your organisation, oldest first. Open one to read "
         "it. Once it is in your own records, confirm receipt: the gateway then "
         "erases its content.",
         "Signalen die op uw organisatie wachten, oudste eerst. Open een signaal om "
         "het te lezen. Staat het in uw eigen administratie, bevestig dan de "
         "ontvangst: de gateway wist daarna de inhoud."},
    UI(MSG_UI_INBOX_EMPTY) = {"No referrals are waiting.", "Er wachten geen "
                                                           "signalen."},
    UI(MSG_UI_INBOX_MORE) = {"Only the {0} oldest are shown.",
                             "Alleen de {0} oudste worden getoond."},
    UI(MSG_UI_COL_RECEIVED) = {"Received", "Ontvangen"},
    UI(MSG_UI_COL_FROM) = {"From", "Van"},
    UI(MSG_UI_COL_ACTION) = {"Read", "Lezen"},
    UI(MSG_UI_OPEN) = {"Open", "Openen"},
    UI(MSG_UI_OPEN_CONTEXT) = {"the referral from {0} of {1}",
                               "het signaal van {0} van {1}"},
    UI(MSG_UI_ACKED) = {"Receipt of referral {0} is confirmed: the gateway has "
                        "erased its content.",
                        "De ontvangst van signaal {0} is bevestigd: de gateway heeft "
                        "de inhoud gewist."},
    UI(MSG_UI_REFERRAL_TITLE) = {"Referral from {0}", "Signaal van {0}"},
    UI(MSG_UI_FIELD_REFERENCE) = {"Reference", "Kenmerk"},
    UI(MSG_UI_FIELD_DELIVERIES) = {"Handed out", "Opgehaald"},
    UI(MSG_UI_DELIVERIES) = {"{0} times, this one included",
                             "{0} keer, deze keer meegeteld"},
    UI(MSG_UI_FIELD_ENCRYPTION) = {"Encryption", "Versleuteling"},
    UI(MSG_UI_E2E_SIGNED) = {"End to end; the signature of {0} is checked",
                             "End-to-end; de handtekening van {0} is gecontroleerd"},
    UI(MSG_UI_E2E_NONE) = {"In transit only: the gateway could read the "
                           "description",
                           "Alleen onderweg: de gateway kon de beschrijving lezen"},
    UI(MSG_UI_NEXT_TITLE) = {"Save, then confirm receipt",
                             "Opslaan, dan ontvangst bevestigen"},
    UI(MSG_UI_SAVE_TEXT) = {"Save as text file", "Opslaan als tekstbestand"},
    UI(MSG_UI_SAVE_JSON) = {"Save as JSON file (for systems)",
                            "Opslaan als JSON-bestand (voor systemen)"},
    UI(MSG_UI_ACK_LINK) = {"Confirm receipt…", "Ontvangst bevestigen…"},
    UI(MSG_UI_UNREADABLE_TITLE) = {"This encrypted referral cannot be read",
                                   "Dit versleutelde signaal kan niet worden "
                                   "gelezen"},
    UI(MSG_UI_UNREADABLE) =
        {"Reason: {0}. It stays in your inbox and cannot be confirmed here. Tell "
         "the sender or your administrator.",
         "Reden: {0}. Het blijft wachten en kan hier niet worden bevestigd. Meld "
         "het aan de afzender of uw beheerder."},
    UI(MSG_UI_NOT_WAITING_TITLE) = {"Referral not found", "Signaal niet gevonden"},
    UI(MSG_UI_NOT_WAITING) =
        {"This referral is not waiting for your organisation (any more): its "
         "receipt may have been confirmed already, or it expired.",
         "Dit signaal wacht niet (meer) op uw organisatie: de ontvangst is "
         "misschien al bevestigd, of het is verlopen."},
    UI(MSG_UI_BACK_INBOX) = {"Back to the inbox", "Terug naar ontvangen signalen"},
    UI(MSG_UI_ACK_TITLE) = {"Confirm receipt?", "Ontvangst bevestigen?"},
    UI(MSG_UI_ACK_WARNING) =
        {"When you confirm, the gateway erases the description and the details "
         "about the young person for good. You cannot open this referral here "
         "again. Save it first, or make sure it is in your own records.",
         "Als u bevestigt, wist de gateway de beschrijving en de gegevens over de "
         "jongere definitief. U kunt dit signaal hier daarna niet meer openen. Sla "
         "het eerst op, of zorg dat het in uw eigen administratie staat."},
    UI(MSG_UI_ACK_CONFIRM) = {"Confirm receipt and erase from the gateway",
                              "Ontvangst bevestigen en wissen van de gateway"},
    UI(MSG_UI_ACK_CANCEL) = {"Cancel", "Annuleren"},

    UI(MSG_UI_SENT_TITLE) = {"Sent referrals", "Verstuurde signalen"},
    UI(MSG_UI_SENT_FROM_FILE) =
        {"Referrals sent with this page, newest first, as kept in {0} on this "
         "computer. The gateway keeps no such list.",
         "Signalen die met deze pagina zijn verstuurd, nieuwste eerst, zoals "
         "bijgehouden in {0} op deze computer. De gateway houdt zo’n lijst niet "
         "bij."},
    UI(MSG_UI_SENT_IN_MEMORY) =
        {"Referrals sent with this page since it was started, newest first. To "
         "keep the list, start refgw ui with --sent-file FILE.",
         "Signalen die met deze pagina zijn verstuurd sinds ze is gestart, "
         "nieuwste eerst. Start refgw ui met --sent-file BESTAND om de lijst te "
         "bewaren."},
    UI(MSG_UI_SENT_EMPTY) = {"Nothing sent yet.", "Nog niets verstuurd."},
    UI(MSG_UI_SENT_MORE) = {"Only the {0} newest are shown.",
                            "Alleen de {0} nieuwste worden getoond."},
    UI(MSG_UI_COL_SENT) = {"Sent", "Verstuurd"},
    UI(MSG_UI_COL_TO) = {"To", "Aan"},
    UI(MSG_UI_COL_STATUS) = {"Status", "Status"},
    UI(MSG_UI_STATUS_AT) = {"{0} ({1})", "{0} ({1})"},
    UI(MSG_UI_STATUS_NOT_FOUND) = {"Unknown to the gateway", "Onbekend bij de "
                                                             "gateway"},
    UI(MSG_UI_STATUS_UNAVAILABLE) = {"Could not be asked", "Kon niet worden "
                                                           "opgevraagd"},

    UI(MSG_UI_REPORT_TITLE) = {"Report", "Rapportage"},
    UI(MSG_UI_REPORT_INTRO) =
        {"The published counts of a range of months, as refgw report makes them: "
         "no young person can be recognised in them.",
         "De gepubliceerde aantallen over een reeks maanden, zoals refgw report ze "
         "maakt: geen jongere is erin te herkennen."},
    UI(MSG_UI_REPORT_FROM) = {"First month", "Eerste maand"},
    UI(MSG_UI_REPORT_TO) = {"Last month", "Laatste maand"},
    UI(MSG_UI_MONTH_HINT) = {"As YYYY-MM, for example {0}",
                             "Als JJJJ-MM, bijvoorbeeld {0}"},
    UI(MSG_UI_REPORT_SHOW) = {"Show the report", "Rapportage tonen"},
    UI(MSG_UI_REPORT_SAVE) = {"Save as HTML file", "Opslaan als HTML-bestand"},
    UI(MSG_UI_REPORT_RANGE_RULE) =
        {"Give two months as YYYY-MM, the first not after the last, at most {0} "
         "months, none after this month.",
         "Geef twee maanden als JJJJ-MM, de eerste niet na de laatste, hoogstens "
         "{0} maanden, geen na deze maand."},

    UI(MSG_UI_FORBIDDEN_TITLE) = {"Not signed in", "Niet aangemeld"},
    UI(MSG_UI_FORBIDDEN) =
        {"Open this page with the link that refgw ui printed when it started.",
         "Open deze pagina met de link die refgw ui liet zien toen het startte."},
    UI(MSG_UI_CSRF_TITLE) = {"Form not accepted", "Formulier niet aanvaard"},
    UI(MSG_UI_CSRF) =
        {"This form did not come from this page, or it is from an earlier start "
         "of refgw ui. Go back, reload the page and try again.",
         "Dit formulier kwam niet van deze pagina, of het is van een eerdere start "
         "van refgw ui. Ga terug, laad de pagina opnieuw en probeer het nog eens."},
    UI(MSG_UI_BAD_HOST_TITLE) = {"Wrong address", "Verkeerd adres"},
    UI(MSG_UI_BAD_HOST) = {"This page answers only at the address refgw ui "
                           "printed (127.0.0.1 or localhost).",
                           "Deze pagina antwoordt alleen op het adres dat refgw ui "
                           "liet zien (127.0.0.1 of localhost)."},
    UI(MSG_UI_NOT_FOUND_TITLE) = {"Page not found", "Pagina niet gevonden"},
    UI(MSG_UI_NOT_FOUND) = {"This page does not exist.", "Deze pagina bestaat "
                                                         "niet."},
    UI(MSG_UI_BAD_REQUEST_TITLE) = {"Request not understood", "Verzoek niet "
                                                              "begrepen"},
    UI(MSG_UI_BAD_REQUEST) = {"The browser sent something this page does not "
                              "accept. Go back and try again.",
                              "De browser stuurde iets wat deze pagina niet "
                              "aanvaardt. Ga terug en probeer het opnieuw."},
    UI(MSG_UI_GATEWAY_TITLE) = {"The gateway could not answer", "De gateway kon "
                                                                "niet antwoorden"},
    UI(MSG_UI_LOCAL_TITLE) = {"refgw could not do this on this computer",
                              "refgw kon dit op deze computer niet doen"},
    UI(MSG_UI_LOCAL) = {"Something in how refgw ui was started is missing or wrong (a "
                        "key file, for example). Tell whoever set it up.",
                        "Er ontbreekt iets in hoe refgw ui is gestart, of het klopt "
                        "niet (een sleutelbestand bijvoorbeeld). Meld het aan wie het "
                        "heeft ingesteld."},
    UI(MSG_UI_DETAILS) = {"Details: {0}", "Details: {0}"},
    UI(MSG_UI_TRY_AGAIN) = {"Try again in a moment. If it keeps failing, tell your "
                            "administrator.",
                            "Probeer het zo nog eens. Blijft het misgaan, meld het "
                            "dan aan uw beheerder."},
};
