import { beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { Category, moreUrgent, Urgency } from "@grievance-hub/schema";
import { classify, type Classification } from "../src/domain/classification/classify";
import { loadRuleset, parseRuleset, type Ruleset, type RulesetFile } from "../src/domain/classification/ruleset";

let shipped: Ruleset;
beforeAll(async () => {
  shipped = await loadRuleset();
});

const run = (text: string, hints?: Parameters<typeof classify>[0]["hints"]) => classify({ text, hints }, shipped);
/** The shipped rules without the learned model: for tests of what the rules themselves do. */
const runRules = (text: string) => classify({ text }, { ...shipped, model: undefined });
const urgencyRules = (c: Classification) => c.signals.filter((s) => s.kind === "urgency").map((s) => s.rule);

/** A small ruleset for testing one mechanism at a time. */
function tinyRuleset(overrides: Partial<RulesetFile> = {}): Ruleset {
  const file: RulesetFile = {
    version: "2000.1.1",
    defaults: { category: "other", urgency: "P3", minimumCategoryScore: 2 },
    gap: { zh: 4, en: 3 },
    negation: {
      zh: { cues: ["没有"], window: 2, notNegation: [], clauseBreaks: ["，"] },
      en: { cues: ["no", "not"], window: 2, notNegation: ["not only"], clauseBreaks: [",", "but"] },
    },
    categories: {
      neighbour: [{ id: "n", weight: 2, zh: ["邻居"], en: ["neighbour"] }],
      labour: [{ id: "l", weight: 2, zh: ["工资"], en: ["wages"] }],
    },
    urgency: [{ id: "v", level: "P1", negatable: true, zh: ["打人"], en: ["hit me"] }],
    ...overrides,
  };
  return parseRuleset(file, "tiny");
}

describe("urgency P1: immediate danger", () => {
  it.each([
    ["classifies a threat with a knife as P1", "He came to my door with a knife and said he would finish me."],
    ["classifies 拿刀威胁 as P1", "对方拿着菜刀在我家门口威胁要砍人"],
    ["classifies domestic violence as P1", "老公昨晚又打了我，我不敢回家"],
    ["classifies suicide talk as P1", "I can't go on, I am thinking about suicide"],
    ["classifies 不想活了 as P1", "工资要不回来，我不想活了"],
    ["classifies a threat of arson as P1", "他说要放火烧我家房子"],
    ["classifies a confined elder as P1", "我奶奶被关在屋里好几天了"],
    ["classifies a child left alone as P1", "a toddler has been left alone in the flat upstairs since yesterday"],
    ["classifies stalking as P1", "someone has been following me home every night"],
    ["classifies a threat with typos as P1", "he threatend to kil me"],
  ])("%s", (_name, text) => {
    expect(run(text).urgency).toBe("P1");
  });

  it("keeps violence P1 when 不停 looks like a negation but is not one", () => {
    expect(run("他不停地打我").urgency).toBe("P1");
    expect(run("He won't stop hitting me").urgency).toBe("P1");
  });

  it("keeps violence P1 when the negation belongs to an earlier clause", () => {
    expect(run("他没还钱还打了我").urgency).toBe("P1");
    expect(run("He didn't pay and then he hit me").urgency).toBe("P1");
  });

  it("keeps self-harm talk P1 even when the caller denies it", () => {
    const c = run("我不会自杀的，就是工资一直拿不到");
    expect(c.urgency).toBe("P1");
    expect(urgencyRules(c)).toContain("p1.self-harm");
  });

  it("treats a promise not to hit again as a sign of past violence", () => {
    expect(run("他说他不会再打我了").urgency).toBe("P1");
    expect(run("He promised he won't hit me again").urgency).toBe("P1");
  });
});

describe("negation", () => {
  it.each([
    ["没有打人", "没有打人，就是吵了几句"],
    ["没有动手", "我们没有动手，只是说话声音大"],
    ["no threat", "There was no threat, we just disagree about the fence"],
    ["didn't hit", "He didn't hit me, he just shouts about money"],
    ["not threatened", "I was not threatened by anyone"],
  ])("does not fire a negated phrase (%s)", (_name, text) => {
    const c = run(text);
    expect(c.urgency).not.toBe("P1");
    expect(urgencyRules(c).some((r) => r.startsWith("p1."))).toBe(false);
    expect(c.reasons.negated.length).toBeGreaterThan(0);
  });

  it("records the negated phrase and the cue that negated it", () => {
    const c = run("没有打人");
    // The safety net (p2.possible-danger) lists 打人 too, and is negated with it.
    expect(c.reasons.negated).toEqual([
      { rule: "p1.violence", matched: "打人", at: 2, cue: "没有" },
      { rule: "p2.possible-danger", matched: "打人", at: 2, cue: "没有" },
    ]);
    expect(c.urgency).toBe("P3");
  });

  it("takes 'not urgent' and '不着急' as no signal of urgency", () => {
    expect(run("It's not urgent, I just have a question about the fence with my neighbour").urgency).toBe("P4");
    expect(run("我不着急，就是想了解一下赡养费的规定").urgency).toBe("P4");
  });

  it("negates only within the window", () => {
    const rs = tinyRuleset();
    expect(classify({ text: "no, he hit me" }, rs).urgency).toBe("P1");
    expect(classify({ text: "no one saw him hit me" }, rs).urgency).toBe("P1");
    expect(classify({ text: "no one hit me" }, rs).urgency).toBe("P3");
    expect(classify({ text: "not only did he hit me" }, rs).urgency).toBe("P1");
  });
});

describe("words that only look dangerous", () => {
  it.each([
    ["打电话", "我一直打他电话他都不接"],
    ["打官司", "我想打官司，请问要多少钱"],
    ["打工", "在外面打工，工资打了个对折"],
    ["气死", "气死我了，快递又丢了"],
    ["killing me", "This paperwork is killing me"],
    ["kicked me out", "My landlord kicked me out last week"],
  ])("does not take %s for violence", (_name, text) => {
    expect(urgencyRules(run(text)).some((r) => r.startsWith("p1."))).toBe(false);
  });

  it.each([
    ["a life-support machine bought", "我在网上买的制氧机用了一周就坏了，商家不给退"],
    ["a ventilator fan", "The bathroom ventilator fan is broken and the landlord won't fix it"],
    ["a management company leaving", "物业撤离了小区，垃圾没人清"],
    ["exhaustion", "I'm about to collapse, I've worked 14 hours"],
    ["square dancing", "小区里的大妈们每天晚上一起跳广场舞，音乐声太大"],
    ["a bill that is a headache", "燃气费一个月涨了三倍，真让人头疼"],
    ["a flat tyre", "我的电动车轮胎没气了，修车铺乱收费"],
    ["a deal that collapsed", "The deal collapsed and the agent kept my deposit"],
  ])("does not take %s for danger to life", (_name, text) => {
    expect(run(text).urgency).not.toBe("P1");
  });

  it("takes a power cut to someone on a life-support machine for danger to life", () => {
    expect(run("楼里停电了，我妈在家用制氧机，备用电池只能撑两个小时").urgency).toBe("P1");
    expect(run("The landlord cut off our power; my father is on home oxygen and the backup has hours left").urgency).toBe("P1");
  });
});

describe("urgency P1: danger told by its effects or indirectly", () => {
  it.each([
    ["injuries by how they look, explained away", "我姐姐眼眶青了一大块，问她就说是自己撞的"],
    ["hiding in a cupboard", "孩子一听到他爸回来就躲进衣柜里不敢出来"],
    ["indirect suicide talk", "他这几天老说活着没啥意思"],
    ["'if I were gone'", "我妈说等她不在了我们就轻松了"],
    ["handing over ID for safekeeping", "他把身份证和银行卡都塞给我让我帮他保管"],
    ["a goodbye and an apology", "He posted 'tonight I will end everything, sorry mum' and isn't answering"],
    ["asking whether anyone would notice", "She asked me if anyone would notice if she was gone"],
    ["someone on a crane", "A worker climbed up the tower crane and says he'll let go"],
    ["not allowed out, phone and ID taken", "She hasn't been allowed out for weeks and he took her phone and ID card"],
    ["a whispered call", "She rang us whispering and the call was cut off"],
    ["a photo of one's door", "He sent her a photo of her own front door last night"],
    ["a throat-slitting gesture", "He ran his finger across his throat while staring at me"],
    ["a threat through his brothers", "He said his brothers will come round tonight"],
  ])("classifies %s as P1", (_name, text) => {
    expect(run(text).urgency).toBe("P1");
  });
});

describe("framing: danger words that are not about present danger", () => {
  const frames = (c: Classification) => urgencyRules(c).filter((r) => r.startsWith("frame."));

  it.each([
    ["a game", "公司团建要玩剧本杀，想问能不能不去", "P4"],
    ["a market trade", "菜市场摊位当场杀鱼，污水流了一地", "P3"],
    ["an idiom", "The rent increases are killing pensioners on our estate", "P3"],
    ["a parent's hyperbole", "My mum would kill me if she knew I spent my savings on this sofa, and now the shop won't take it back", "P3"],
    ["a product", "网购的菜刀刀刃有缺口，商家不给退", "P3"],
    ["a news story", "在新闻上看到外地有人跳楼，建议加强监管", "P4"],
    ["a concluded case", "The man who threatened me with a knife last year was convicted and I have had no contact since. How do I get a copy of the judgment?", "P4"],
  ])("sets aside a P1 word in %s and shows the frame as a signal", (_name, text, urgency) => {
    const c = run(text);
    expect(c.urgency).toBe(urgency);
    expect(frames(c).length).toBeGreaterThan(0);
    expect(c.reasons.framed.length).toBeGreaterThan(0);
    for (const s of c.signals) expect(text.slice(s.at, s.at + s.matched.length)).toBe(s.matched);
  });

  it.each([
    ["someone holds the knife", "他拿着刚买的菜刀冲我过来"],
    ["the caller ties the news to themselves", "我在新闻上看到有人跳楼，我也想跳下去"],
    ["first-person harm stands next to the news", "新闻上说家暴要报警，我老公天天打我"],
    ["the concluded case goes on", "前年打我的人已经判了，上个月放出来了，又在我家附近转悠"],
    ["the danger is in another clause", "去年的案子法院已经判了，他昨天又打了我"],
    ["a caller fears what her partner would do if he knew she called", "My husband would kill me if he knew I called you"],
  ])("does not frame when %s", (_name, text) => {
    expect(run(text).urgency).toBe("P1");
  });

  it("finds clause ends by their place in the text even after emoji (a frame must not reach into the next clause)", () => {
    expect(run("😀😀😀😀😀😀😀😀😀😀😀😀 在新闻上看到一件事，他拿着刀说要砍我").urgency).toBe("P1");
    expect(run("😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀 in the news, he has a knife").urgency).toBe("P1");
  });

  it("does not end a sentence at an abbreviation ('3 a.m.'), so a frame reaches the rest of its sentence", () => {
    expect(run("My neighbour's son plays a war game till 3 a.m. every night, yelling kill them all at the screen.").urgency).toBe("P3");
    expect(run("My neighbour's son plays a war game till 3 every night. Then yelling kill them all at the screen.").urgency).toBe("P1");
  });

  it("holds framed P1 words at P2, never lower, when the text shows fear", () => {
    const c = runRules("I saw on the news that people get attacked near the station, I'm scared to walk home");
    expect(c.urgency).toBe("P2");
    expect(c.signals).toContainEqual(expect.objectContaining({ rule: "frame.news", level: "P2", alongside: "scared" }));
    expect(c.reasons.framed).toContainEqual(expect.objectContaining({ rule: "p1.violence", frame: "frame.news", heldAt: "P2" }));
  });

  it("never sets aside self-harm talk with a figure of speech, only with a news story or research", () => {
    const rs = tinyRuleset({
      urgency: [{ id: "s", level: "P1", negatable: false, zh: ["跳楼"] }],
      framing: {
        heldAt: "P2",
        doubt: { zh: ["害怕"] },
        clauseBreaks: ["，"],
        sentenceBreaks: ["。"],
        frames: [
          { id: "frame.idiom", kind: "figure-of-speech", reach: "clause", evenIfNotNegatable: false, zh: ["笑话"] },
          { id: "frame.news", kind: "report", reach: "clause", evenIfNotNegatable: true, zh: ["新闻上"] },
        ],
      },
    });
    expect(classify({ text: "讲了个跳楼的笑话" }, rs).urgency).toBe("P1");
    expect(classify({ text: "新闻上有人跳楼" }, rs).urgency).toBe("P3");
    expect(classify({ text: "新闻上有人跳楼，我很害怕" }, rs).urgency).toBe("P1");
  });

  it("changes nothing in a ruleset without framing", () => {
    const c = classify({ text: "新闻上说有人打人" }, tinyRuleset());
    expect(c.urgency).toBe("P1");
    expect(c.reasons.framed).toEqual([]);
  });
});

describe("the safety net under the P1 rules (p2.possible-danger, p2.out-of-contact)", () => {
  it.each([
    ["drink and fear at home", "我老公一喝醉就摔东西，我和孩子都很怕他", "喝醉"],
    ["fear of a partner, told by a neighbour", "The new tenant upstairs is frightened of her boyfriend, she told me so in the lift", "frightened"],
    ["someone close who cannot be reached", "我女儿三天联系不上了，她平时天天给我打电话", "联系不上"],
  ])("raises danger no P1 rule names to P2 and shows the words (%s)", (_name, text, matched) => {
    const c = runRules(text);
    expect(c.urgency).toBe("P2");
    expect(c.signals).toContainEqual(expect.objectContaining({ rule: expect.stringMatching(/^p2\.(possible-danger|out-of-contact)$/), level: "P2", matched }));
  });

  it("does not raise a firm that cannot be reached", () => {
    expect(run("装修公司收了钱就联系不上了").urgency).toBe("P3");
  });

  it("is negated and framed like the P1 rules", () => {
    expect(run("他没有威胁我，就是吵了几句").urgency).toBe("P3");
    expect(run("在新闻上看到外地有人被打，建议加强治安巡逻").urgency).toBe("P4");
  });

  it("leaves the decision to a P1 rule that fires", () => {
    expect(run("他喝醉了拿刀追着我砍").urgency).toBe("P1");
  });
});

describe("urgency P1: danger to life whatever its cause", () => {
  it("takes someone who cannot be woken after an accident as P1", () => {
    expect(run("工友从架子上摔下来，现在叫不醒，老板还没打120").urgency).toBe("P1");
  });

  it("takes people made ill beside gas as P1, and a headache alone as nothing", () => {
    expect(run("The heater in our rented room smells of gas and my kids are dizzy and have been vomiting").urgency).toBe("P1");
    expect(run("I get headaches from the neighbour's music every night").urgency).toBe("P3");
  });

  it("does not keep a vulnerable person's danger at P1 once they are found", () => {
    expect(run("请问老人走失了先找派出所还是社区？人已经找到了，想了解一下流程").urgency).toBe("P4");
  });
});

describe("urgency P2: risk of escalation", () => {
  it("classifies a grievance reported several times as P2", () => {
    expect(run("这个问题我反映了三次了还没解决").urgency).toBe("P2");
    expect(run("I have complained four times about the leak").urgency).toBe("P2");
  });

  it("does not take talking to the other party several times for a repeated grievance", () => {
    expect(run("跟邻居沟通了好几次他都不改").urgency).toBe("P3");
  });

  it("classifies a group dispute as P2", () => {
    expect(run("我们五十多个工人三个月没发工资").urgency).toBe("P2");
    expect(run("About 200 residents have had no heating since October").urgency).toBe("P2");
  });

  it("classifies a threat of collective action as P2", () => {
    expect(run("再不解决我们就去上访").urgency).toBe("P2");
    expect(run("We will block the road on Monday").urgency).toBe("P2");
  });

  it("classifies a vulnerable person harmed by the situation as P2, and the harm alone as P3", () => {
    expect(run("The landlord took the deposit and now my elderly mother is homeless").urgency).toBe("P2");
    expect(run("The landlord took the deposit and now I am homeless").urgency).toBe("P3");
  });
});

describe("urgency P3 and P4", () => {
  it("classifies an ordinary dispute as P3", () => {
    expect(run("房东不退押金").urgency).toBe("P3");
  });

  it("classifies a question, a suggestion or thanks as P4", () => {
    expect(run("请问法律援助怎么申请？").urgency).toBe("P4");
    expect(run("I'd like to suggest longer opening hours").urgency).toBe("P4");
    expect(run("谢谢你们帮我要回了工资").urgency).toBe("P4");
  });

  it("classifies a question about a real dispute as P3, not P4", () => {
    const c = run("公司把我辞退了，想问问能不能要赔偿");
    expect(c.urgency).toBe("P3");
    expect(urgencyRules(c)).toEqual(["p3.dispute", "p4.enquiry", "p4.enquiry"]);
  });
});

describe("category", () => {
  it.each([
    ["family", "我老公要跟我离婚，孩子归谁"],
    ["neighbour", "楼上邻居天天半夜跳绳"],
    ["labour", "The employer still owes me two months of wages"],
    ["land_housing", "村里征地补偿款一直没发"],
    ["consumer", "I bought a fridge online and the seller won't refund"],
    ["public_services", "路灯坏了，希望有关部门来修"],
    ["legal", "法院判决以后对方一直不履行，强制执行也没用"],
    ["other", "我想说一件事"],
  ] as const)("classifies a %s grievance", (category, text) => {
    expect(run(text).category).toBe(category);
  });

  it("classifies threats by someone unknown as legal", () => {
    expect(run("有人天天发短信威胁我").category).toBe("legal");
  });

  it("lets a former partner outweigh the threat in a threat from a former partner", () => {
    expect(run("前男友一直威胁我").category).toBe("family");
  });

  it("falls back to the default category below the minimum score", () => {
    const rs = tinyRuleset({ defaults: { category: "other", urgency: "P3", minimumCategoryScore: 3 } });
    const c = classify({ text: "my neighbour" }, rs);
    expect(c.category).toBe("other");
    expect(c.reasons.category).toEqual({ decidedBy: "default", byRules: "other", scores: { neighbour: 2 } });
  });

  it("breaks a tie in favour of the category listed first in the ruleset", () => {
    const rs = tinyRuleset();
    expect(classify({ text: "my neighbour owes me wages" }, rs).category).toBe("neighbour");
  });

  it("adds a rule's weight once per different phrase it finds", () => {
    const rs = tinyRuleset({ categories: { labour: [{ id: "l", weight: 2, zh: ["工资"], en: ["wages", "salary"] }] } });
    expect(classify({ text: "wages wages wages salary" }, rs).reasons.category.scores).toEqual({ labour: 4 });
  });
});

describe("signals and reasons", () => {
  it("reports every fired rule with the caller's own words and where they are", () => {
    const text = "邻居拿着菜刀说要杀了我";
    const c = run(text);
    expect(c.signals).toContainEqual({ rule: "p1.weapon", kind: "urgency", level: "P1", matched: "刀", at: 5 });
    expect(c.signals).toContainEqual({ rule: "neighbour.neighbours", kind: "category", category: "neighbour", weight: 3, matched: "邻居", at: 0 });
    for (const s of c.signals) expect(text.slice(s.at, s.at + s.matched.length)).toBe(s.matched);
  });

  it("lists urgency signals most urgent first", () => {
    const levels = run("我反映了五次了，他还拿刀威胁我，请问怎么办").signals.flatMap((s) => (s.kind === "urgency" ? [s.level] : []));
    expect(levels).toEqual([...levels].sort());
    expect(levels[0]).toBe("P1");
  });

  it("names the second phrase of a rule that needs two", () => {
    const c = run("a newborn baby in a flat with no heating, it is freezing");
    expect(c.signals).toContainEqual(expect.objectContaining({ rule: "p1.vulnerable-in-danger", alongside: "newborn" }));
  });

  it("does not fire a two-phrase rule on one phrase alone", () => {
    expect(urgencyRules(run("my flat is freezing, the heating is broken"))).not.toContain("p1.vulnerable-in-danger");
  });

  it("records the ruleset version on every decision", () => {
    expect(run("anything").rulesetVersion).toBe(shipped.version);
    expect(classify({ text: "anything" }, tinyRuleset()).rulesetVersion).toBe("2000.1.1");
  });

  it("explains a default urgency as the default", () => {
    expect(run("随便说说").reasons.urgency).toEqual({ decidedBy: "default", byRules: "P3" });
  });
});

describe("text normalisation", () => {
  it("matches full-width, upper-case and oddly spaced text, reporting it as written", () => {
    const c = run("ＨＥ　ＨＩＴ　　ＭＥ");
    expect(c.urgency).toBe("P1");
    expect(c.signals[0]?.matched).toBe("ＨＩＴ　　ＭＥ");
  });

  it("matches English phrases as whole words only", () => {
    const rs = tinyRuleset();
    expect(classify({ text: "whit me" }, rs).urgency).toBe("P3");
    expect(classify({ text: "他又hit me了" }, rs).urgency).toBe("P1");
  });

  it("matches curly apostrophes like straight ones", () => {
    expect(run("He didn\u2019t hit me").urgency).not.toBe("P1");
  });
});

describe("operator hints", () => {
  it("raises urgency with an operator's hint", () => {
    const c = run("房东不退押金", { urgency: "P1" });
    expect(c.urgency).toBe("P1");
    expect(c.reasons.urgency).toEqual({ decidedBy: "operator-hint", byRules: "P3" });
  });

  it("never lowers urgency with an operator's hint", () => {
    const c = run("他拿刀威胁我", { urgency: "P4" });
    expect(c.urgency).toBe("P1");
    expect(c.reasons.urgency.decidedBy).toBe("rules");
  });

  it("takes the operator's category, keeping the rules' choice in the reasons", () => {
    const c = run("房东不退押金", { category: "consumer" });
    expect(c.category).toBe("consumer");
    expect(c.reasons.category).toMatchObject({ decidedBy: "operator-hint", byRules: "land_housing" });
  });

  it("for any text, a hint gives exactly the more urgent of rules and hint", () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom(...Urgency.options), (text, hint) => {
        const plain = classify({ text }, shipped);
        const hinted = classify({ text, hints: { urgency: hint } }, shipped);
        expect(hinted.urgency).toBe(moreUrgent(plain.urgency, hint));
        expect(Category.options).toContain(hinted.category);
      }),
    );
  });
});

describe("purity", () => {
  it("gives the same decision for the same input", () => {
    const text = "老板拖欠工资，还说要找人打我";
    expect(run(text)).toEqual(run(text));
  });
});
