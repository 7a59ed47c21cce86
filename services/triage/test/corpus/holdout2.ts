// A second held-out set, written on 2026-11-29 before the veiled-threat rules and never
// used to tune them. It leans on veiled and implicit threats (said differently from
// any phrase in the ruleset) and on innocuous texts that look like them. The corpus
// test reports accuracy on these; it does not assert them case by case.
import type { CorpusCase } from "./corpus-case";

export const holdout2: CorpusCase[] = [
  // P1: veiled or implicit threats
  { id: "h2-zh-01", lang: "zh", text: "讨债的人把我家大门拍了照片发给我，还附了一句“你女儿长得挺可爱的”。", category: "legal", urgency: "P1", note: "a photo of the home and a remark about a child" },
  { id: "h2-zh-02", lang: "zh", text: "前夫发微信说“你晚上一个人回家路上注意安全”，我搬家以后根本没告诉过他我住哪。", category: "family", urgency: "P1" },
  { id: "h2-zh-03", lang: "zh", text: "拆迁公司的人说，不签字的话，哪天你家房子出点什么事可别怪我们。", category: "land_housing", urgency: "P1" },
  { id: "h2-zh-04", lang: "zh", text: "包工头说我要是再去劳动局，就让我在这个城市待不下去，还说他认识道上的人。", category: "labour", urgency: "P1" },
  { id: "h2-zh-05", lang: "zh", text: "对门邻居跟我说“你晚上睡觉可得睡踏实了”，说完还冷笑，我们家现在天天提心吊胆。", category: "neighbour", urgency: "P1" },
  { id: "h2-zh-06", lang: "zh", text: "老板说谁要是敢把厂里的事捅出去，就别想活着离开这个厂。", category: "labour", urgency: "P1" },
  { id: "h2-zh-07", lang: "zh", text: "前男友说我要是敢跟别人在一起，他就让我这辈子都不得安宁，还说他知道我每天几点下班。", category: "family", urgency: "P1" },
  { id: "h2-en-01", lang: "en", text: "The debt collector said it'd be a pity if something happened to my mum's shop while she's there on her own.", category: "legal", urgency: "P1" },
  { id: "h2-en-02", lang: "en", text: "My ex sent me a picture of my front door at 2am with the message 'nice curtains'.", category: "family", urgency: "P1" },
  { id: "h2-en-03", lang: "en", text: "My landlord told me people who cause him trouble tend to end up in hospital, and I should think about that before going to the tribunal.", category: "land_housing", urgency: "P1" },
  { id: "h2-en-04", lang: "en", text: "A guy from the site office said if I keep talking to the inspectors I might have an accident on the scaffolding.", category: "labour", urgency: "P1" },
  { id: "h2-en-05", lang: "en", text: "My neighbour said he has friends who'd be happy to pay me a visit and that I should sleep with one eye open.", category: "neighbour", urgency: "P1" },
  { id: "h2-en-06", lang: "en", text: "Ever since I reported my manager he has been parked outside my flat every night, just sitting there watching the windows.", category: "labour", urgency: "P1" },
  { id: "h2-mx-01", lang: "mixed", text: "我前夫昨天在我楼下等我，走的时候说 next time you won't be so lucky", category: "family", urgency: "P1" },
  { id: "h2-mx-02", lang: "mixed", text: "老板 said if we go to the labour bureau，他有的是办法让我们出事", category: "labour", urgency: "P1" },

  // P1: explicit violence, self-harm, confinement
  { id: "h2-zh-08", lang: "zh", text: "催收的人今天冲进我家，把我爸推倒在地上，头都磕破了。", category: "legal", urgency: "P1" },
  { id: "h2-zh-09", lang: "zh", text: "欠的钱实在还不上了，遗书我都已经写好了。", category: "other", urgency: "P1", note: "self-harm, said without the usual words" },
  { id: "h2-zh-10", lang: "zh", text: "我女儿被她婆家扣着，手机也被收了，不让她回娘家，她偷偷发消息跟我求救。", category: "family", urgency: "P1" },
  { id: "h2-en-07", lang: "en", text: "My teenage son has been cutting his arms and told his sister nobody would miss him.", category: "family", urgency: "P1" },
  { id: "h2-en-08", lang: "en", text: "The agency took our passports and we are not allowed off the farm, the gate is padlocked at night.", category: "labour", urgency: "P1" },
  { id: "h2-en-09", lang: "en", text: "My husband grabbed me by the throat last night because dinner was late.", category: "family", urgency: "P1" },

  // controls: near-misses of veiled threats, strong words without a threat
  { id: "h2-zh-11", lang: "zh", text: "快递员说他知道我住哪栋楼，以后直接放门口，结果包裹丢了两次，快递公司不赔。", category: "consumer", urgency: "P3" },
  { id: "h2-zh-12", lang: "zh", text: "窗口的工作人员说我会后悔没早点来办，现在政策变了补贴少了一半，这不合理。", category: "public_services", urgency: "P3" },
  { id: "h2-zh-13", lang: "zh", text: "和邻居吵架，他骂得很难听，说我不要脸，不过没有动手，也没说要把我怎么样。", category: "neighbour", urgency: "P3" },
  { id: "h2-zh-14", lang: "zh", text: "商家让我等着，说退款要走流程，结果等了一个月还没到账。", category: "consumer", urgency: "P3" },
  { id: "h2-zh-15", lang: "zh", text: "对象家里要二十万彩礼，说不给就别想结婚，想问一下彩礼法律上是怎么规定的。", category: "family", urgency: "P4" },
  { id: "h2-zh-16", lang: "zh", text: "村里几十户的承包地被占了，大家说这事不会就这么算了，准备一起去县里上访。", category: "land_housing", urgency: "P2" },
  { id: "h2-zh-17", lang: "zh", text: "老板说不好好干就让我们走人，这个月工资还无故扣了一半。", category: "labour", urgency: "P3" },
  { id: "h2-zh-18", lang: "zh", text: "请问孩子在哪上学是按户口还是按房子划片的？", category: "public_services", urgency: "P4" },
  { id: "h2-zh-19", lang: "zh", text: "小区门口的井盖反映了三次都没人来修，小孩差点掉下去。", category: "public_services", urgency: "P2" },
  { id: "h2-zh-20", lang: "zh", text: "我知道他住哪，他欠我八千块钱一直不还，我想去法院起诉他。", category: "legal", urgency: "P3", note: "the caller knows where the debtor lives: not a threat" },
  { id: "h2-zh-21", lang: "zh", text: "物业说等着瞧吧，明年物业费还要涨，业主们都很有意见。", category: "land_housing", urgency: "P2", note: "等着瞧 about a fee, not a person; P2 for the group of owners" },
  { id: "h2-zh-22", lang: "zh", text: "谢谢社区网格员，帮我们找到了走丢的狗，孩子高兴坏了。", category: "other", urgency: "P4" },

  { id: "h2-en-10", lang: "en", text: "The courier said he knows where I live now so he'll leave parcels by the back gate, but two have gone missing and the store won't refund.", category: "consumer", urgency: "P3" },
  { id: "h2-en-11", lang: "en", text: "The clerk said I'd regret not applying sooner because the pension rules changed. How do I get it backdated?", category: "public_services", urgency: "P4" },
  { id: "h2-en-12", lang: "en", text: "My neighbour and I had a massive row about the hedge, lots of swearing, but nobody threatened anybody.", category: "neighbour", urgency: "P3" },
  { id: "h2-en-13", lang: "en", text: "I'll regret ever signing up with this gym, they keep charging my card after I cancelled the membership.", category: "consumer", urgency: "P3" },
  { id: "h2-en-14", lang: "en", text: "My manager told me I'd better watch my step or I'd lose the promotion, and he's cut my shifts.", category: "labour", urgency: "P3" },
  { id: "h2-en-15", lang: "en", text: "Something happened to my parcel in transit and the seller says it's not their problem.", category: "consumer", urgency: "P3" },
  { id: "h2-en-16", lang: "en", text: "How do I find out which school my kids will go to after we move house?", category: "public_services", urgency: "P4" },
  { id: "h2-en-17", lang: "en", text: "'Accidents happen,' the mechanic said, when my car came back with a dented door. He refuses to pay for the repair.", category: "consumer", urgency: "P3" },
  { id: "h2-en-18", lang: "en", text: "My ex keeps texting me about money at all hours. It's annoying but he has never said anything threatening.", category: "family", urgency: "P3" },
  { id: "h2-en-19", lang: "en", text: "Our whole street has had no bin collection for six weeks and the council keeps saying next week.", category: "public_services", urgency: "P2" },
  { id: "h2-en-20", lang: "en", text: "Please thank the officer who helped me sort out the visitation schedule with my ex-husband.", category: "family", urgency: "P4" },
  { id: "h2-en-21", lang: "en", text: "The landlord keeps coming round unannounced to check the flat and won't fix the boiler.", category: "land_housing", urgency: "P3" },
  { id: "h2-mx-03", lang: "mixed", text: "我的 landlord 说押金不退了，还说 see you in court", category: "land_housing", urgency: "P3" },
];
