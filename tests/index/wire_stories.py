"""Stories written for the wire-copy tests: one agency story as three outlets printed
it (small edits: dateline, credit line, a few words, a cut last paragraph), and two
different stories on the same topic (a port strike) that must stay apart."""

WIRE = [
    "Dock workers at the port of Valmora walked off the job on Monday, halting container traffic at the country's "
    "second-largest harbour in a dispute over pay and automation.",
    "The union representing about 4,200 dockers said the strike would last 72 hours unless the port authority "
    "agreed to reopen wage talks and to guarantee that no jobs would be lost to the new automated cranes.",
    '"We are not against modern equipment, we are against being thrown away," union leader Marta Ilves told '
    "reporters outside the main gate, where several hundred workers had gathered since dawn.",
    "The port authority said it regretted the walkout and called the union's demands unaffordable, adding that "
    "the automation plan had been agreed with the government two years ago.",
    "Shipping lines began diverting vessels to the neighbouring ports of Sarn and Kettleby, and freight forwarders "
    "warned that delays could ripple through supply chains for weeks.",
    "Economists estimate that a three-day stoppage could cost the regional economy about 90 million euros, much of "
    "it in perishable goods left waiting on the quays.",
    "Transport minister Jonas Peel urged both sides to return to the table and said a mediator was ready to step in.",
]


def carriers() -> list[dict]:
    """The same story as three outlets carried it."""
    a = {
        "title": "Valmora dockers strike over pay and automation",
        "source": "Coast Herald",
        "url": "https://coastherald.example/business/valmora-dockers-strike",
        "published_at": "2024-03-04T09:10:00+00:00",
        "author": "Staff and agencies",
        "body": "VALMORA (Reuters) - " + "\n".join(WIRE) + "\nReporting by Anna Kell; Editing by Tom Brand",
    }
    b_paras = list(WIRE[:-1])  # the last paragraph cut
    b_paras[0] = b_paras[0].replace("walked off the job on Monday", "walked out on Monday")
    b_paras[3] = b_paras[3].replace("unaffordable", "unrealistic")
    b = {
        "title": "Port of Valmora at a standstill as dockers walk out",
        "source": "Daily Ledger",
        "url": "https://ledger.example/2024/03/04/port-strike",
        "published_at": "2024-03-04T11:30:00+00:00",
        "author": "Reuters",
        "body": "\n".join(b_paras),
    }
    c_paras = list(WIRE)
    c_paras[2] = c_paras[2].replace("told reporters", "said")
    c_paras[4] = c_paras[4].replace("for weeks", "for several weeks")
    c_paras.insert(5, "Local businesses near the harbour said they were already feeling the effects.")
    c = {
        "title": "Dockers strike at Valmora",
        "source": "Northern Post",
        "url": "https://northernpost.example/n/88213",
        "published_at": "2024-03-04T12:05:00+00:00",
        "author": "",
        "body": "\n".join(c_paras) + "\nThe Associated Press contributed to this report.",
    }
    return [a, b, c]


def same_topic_different_stories() -> list[dict]:
    """Two other stories about the same strike, reported and written separately."""
    d = {
        "title": "Inside the Valmora picket line: 'We built this port'",
        "source": "The Meridian",
        "url": "https://meridian.example/features/valmora-picket",
        "published_at": "2024-03-05T07:00:00+00:00",
        "body": "On the second day of the dock strike in Valmora, the picket line at gate four smelled of coffee and "
        "diesel. Pieter Mols, who has driven straddle carriers for 23 years, said his father had unloaded "
        "ships by hand on the same quay.\nThe workers here do not talk about wages first. They talk about the "
        "cranes: twelve remote-controlled machines that arrived from Shanghai last autumn and sit idle, "
        "wrapped in plastic, behind the fence.\nMols said younger colleagues fear the port will need a third "
        "of today's crews within five years. Management disputes that figure, saying retraining will keep "
        "most of them employed.\nBy the evening, families had brought soup and blankets, and a brass band "
        "from the fishing village across the bay played until the floodlights came on.",
    }
    e = {
        "title": "Valmora strike: exporters count the cost",
        "source": "Coast Herald",
        "url": "https://coastherald.example/business/valmora-exporters",
        "published_at": "2024-03-06T08:00:00+00:00",
        "body": "Fruit exporters in the Valmora region say they have lost several hundred tonnes of citrus since the "
        "port closed, as refrigerated containers ran out of power on the quays.\nThe regional chamber of "
        "commerce has asked the government for emergency compensation and for the navy's pier to be opened "
        "to commercial traffic while the dispute lasts.\nA spokesperson for the chamber said member firms "
        "had rerouted some shipments by road to Kettleby, doubling their transport bill, while smaller "
        "growers had simply stopped harvesting.\nThe port authority said talks with the union would resume "
        "on Thursday under a mediator appointed by the transport ministry.",
    }
    return [d, e]
