// Third blind set, written 2026-11-29 before the 2026.11.3 rule change and never used to
// tune it. Grievances as an operator would type them; the P1s are explicit or veiled harm
// in everyday wording (violence, self-harm, confinement and neglect of the vulnerable,
// weapons and arson, veiled menace), the P2-P4 cases include near-misses that use the
// same words harmlessly.
import type { CorpusCase } from "./corpus-case";

export const holdout3: CorpusCase[] = [
  // ---- P1: physical violence ----
  { id: "h3-zh-01", lang: "zh", text: "我男人喝完酒回来揪着我头发往墙上撞，额头到现在还在流血，我躲在厕所里给你们打电话。", category: "family", urgency: "P1" },
  { id: "h3-en-01", lang: "en", text: "My boyfriend threw me against the wardrobe last night and I think my wrist is broken, I can't move it.", category: "family", urgency: "P1" },
  { id: "h3-zh-02", lang: "zh", text: "儿媳跟婆婆吵架，把八十岁的老太太一把推到地上，老人腿摔骨折了，现在还躺着没人管。", category: "family", urgency: "P1", note: "an elder pushed down and injured" },
  { id: "h3-en-02", lang: "en", text: "The foreman smacked me across the face in front of the whole crew because I asked when we'd get our wages.", category: "labour", urgency: "P1" },
  { id: "h3-zh-03", lang: "zh", text: "包工头带了几个人到宿舍来要我们别再闹，一顿拳脚，有个工友被抬去急诊了。", category: "labour", urgency: "P1" },
  { id: "h3-en-03", lang: "en", text: "My stepdad holds my little brother's hand over the stove when he misbehaves, there are burn marks all over his fingers.", category: "family", urgency: "P1", note: "a child burned as punishment" },

  // ---- P1: self-harm and suicide ----
  { id: "h3-zh-04", lang: "zh", text: "我妈这几天老说活够了，把存折和金镯子都分给了我们姐妹，还交代以后你们好好过。", category: "family", urgency: "P1", note: "giving away belongings, farewell talk" },
  { id: "h3-en-04", lang: "en", text: "My daughter has been posting goodbye messages to her friends and I found she's been saving up her sleeping pills in a sock.", category: "family", urgency: "P1" },
  { id: "h3-zh-05", lang: "zh", text: "被厂里开除以后我天天站在天台边上往下看，觉得一了百了最干净。", category: "labour", urgency: "P1" },
  { id: "h3-en-05", lang: "en", text: "Honestly I don't see the point of going on. The bank is repossessing the house and I've already written letters to my kids.", category: "land_housing", urgency: "P1", note: "farewell letters" },
  { id: "h3-mx-01", lang: "mixed", text: "我表妹 keeps cutting herself，手腕上一道一道的，她爸妈都不知道，我该怎么办", category: "family", urgency: "P1" },

  // ---- P1: confinement and neglect of the vulnerable ----
  { id: "h3-zh-06", lang: "zh", text: "老板把我们几个的身份证都收走了，说干满两年才还，晚上宿舍门还从外面上锁。", category: "labour", urgency: "P1", note: "documents withheld and locked in: forced labour" },
  { id: "h3-en-06", lang: "en", text: "My sister's husband has taken her passport and her phone and won't let her go anywhere without him.", category: "family", urgency: "P1" },
  { id: "h3-zh-07", lang: "zh", text: "隔壁那家人用铁链把一个小男孩拴在阳台上，从早上到现在一整天了，孩子一直在哭。", category: "family", urgency: "P1" },
  { id: "h3-en-07", lang: "en", text: "My uncle's carers lock him in his bedroom all day, he's in a wheelchair, he rang me whispering so they wouldn't hear.", category: "family", urgency: "P1" },
  { id: "h3-zh-08", lang: "zh", text: "楼下瘫痪的老太太，儿女都去外地了，已经三天没人给她送饭，降压药也吃完了。", category: "family", urgency: "P1" },
  { id: "h3-en-08", lang: "en", text: "The two kids across the hall have been on their own since last Friday, their mum hasn't come back and they're eating dry cereal.", category: "family", urgency: "P1" },

  // ---- P1: weapons and arson ----
  { id: "h3-zh-09", lang: "zh", text: "对门那家人拎着钢管来砰砰敲我家门，说今晚谁也别想睡。", category: "neighbour", urgency: "P1" },
  { id: "h3-en-09", lang: "en", text: "My ex was outside at 2am splashing lighter fluid on my front door, I've got the kids in the back bedroom.", category: "family", urgency: "P1" },
  { id: "h3-zh-10", lang: "zh", text: "前男友在我家门口倒了一桶柴油，手里攥着打火机，一直喊我出去。", category: "family", urgency: "P1" },
  { id: "h3-en-10", lang: "en", text: "After the row over the wall, the man next door said my shed would go up in flames one night with me in it.", category: "neighbour", urgency: "P1" },
  { id: "h3-zh-11", lang: "zh", text: "前夫说要往我脸上泼东西，让我这辈子都没脸见人。", category: "family", urgency: "P1", note: "an acid threat without the word acid" },

  // ---- P1: veiled menace ----
  { id: "h3-zh-12", lang: "zh", text: "催债的在电话里说，像你这种人哪天走在路上被车撞了都没人知道。", category: "legal", urgency: "P1" },
  { id: "h3-en-11", lang: "en", text: "The landlord's son told me people who make trouble in this building tend to fall down the stairs.", category: "land_housing", urgency: "P1" },
  { id: "h3-zh-13", lang: "zh", text: "开发商派来的人说，你家老二每天放学一个人走那条小路，不太安全吧。", category: "land_housing", urgency: "P1" },
  { id: "h3-en-12", lang: "en", text: "The loan shark told my wife he'd be round with a few friends and we'd need an ambulance afterwards.", category: "legal", urgency: "P1" },
  { id: "h3-zh-14", lang: "zh", text: "跟邻居因为停车吵了几句，他说下回再让他碰上就不是动嘴这么简单了。", category: "neighbour", urgency: "P1" },
  { id: "h3-en-13", lang: "en", text: "My former business partner said I should start checking under my car before I drive anywhere.", category: "legal", urgency: "P1" },
  { id: "h3-mx-02", lang: "mixed", text: "老板说 if you go to the labour bureau，你就别想站着走出这个厂。", category: "labour", urgency: "P1" },

  // ---- P2 controls ----
  { id: "h3-zh-15", lang: "zh", text: "我们楼三十几户停水一个礼拜了，物业不管，大家商量要去区政府门口拉横幅。", category: "land_housing", urgency: "P2" },
  { id: "h3-en-14", lang: "en", text: "This is my fourth call about sewage coming up into our basement, still nobody has come out.", category: "public_services", urgency: "P2" },
  { id: "h3-zh-16", lang: "zh", text: "房东把暖气停了，我家孩子冻得发烧住院了，他还是不肯开。", category: "land_housing", urgency: "P2" },
  { id: "h3-en-15", lang: "en", text: "Around 40 of us at the call centre haven't been paid since August and people are talking about walking out.", category: "labour", urgency: "P2" },
  { id: "h3-zh-17", lang: "zh", text: "拆迁补偿一直谈不拢，全村准备下个礼拜一起去省里上访。", category: "land_housing", urgency: "P2" },
  { id: "h3-en-16", lang: "en", text: "Third time writing in about the leaking roof, my baby's room is covered in mould and she is sick all the time.", category: "land_housing", urgency: "P2" },
  { id: "h3-mx-03", lang: "mixed", text: "我们二十多个 workers 两个月没拿到工资，老板电话也不接，大家准备去劳动局门口静坐。", category: "labour", urgency: "P2" },

  // ---- P3 controls, several near-misses ----
  { id: "h3-en-17", lang: "en", text: "The boys from number 12 kicked their football through my greenhouse roof and their parents won't pay for the glass.", category: "neighbour", urgency: "P3", note: "kicked a ball, not a person" },
  { id: "h3-zh-18", lang: "zh", text: "开发商说要把老小区推倒重建，补偿方案到现在都没公布。", category: "land_housing", urgency: "P3", note: "推倒 a building" },
  { id: "h3-en-18", lang: "en", text: "Our landlord burns the garden waste in the yard every weekend and the smoke comes straight into the kids' bedroom.", category: "land_housing", urgency: "P3", note: "burning rubbish" },
  { id: "h3-zh-19", lang: "zh", text: "我把钥匙反锁在屋里了，开锁师傅收了我八百块，太坑人了。", category: "consumer", urgency: "P3", note: "keys locked in, not a person" },
  { id: "h3-en-19", lang: "en", text: "I'm dying to know why my pension payment is late yet again, nobody at the office can tell me.", category: "public_services", urgency: "P3", note: "an idiom" },
  { id: "h3-zh-20", lang: "zh", text: "物业费一年涨了三次，账目也不公示，真是把我气得想死。", category: "land_housing", urgency: "P3", note: "气得想死 is an idiom of anger; a P1 here would be a tolerated false alarm" },
  { id: "h3-en-20", lang: "en", text: "The gym shoved me into a two-year contract I never agreed to and won't let me cancel.", category: "consumer", urgency: "P3", note: "shoved into a contract" },
  { id: "h3-zh-21", lang: "zh", text: "外卖小哥把热汤洒了，烫到我手背红了一块，商家就赔了五块钱。", category: "consumer", urgency: "P3", note: "an accidental spill" },
  { id: "h3-en-21", lang: "en", text: "My employer is choking us with fines for every minute we clock in late.", category: "labour", urgency: "P3", note: "choking as a figure of speech" },
  { id: "h3-zh-22", lang: "zh", text: "我老公的工作手机被公司扣着，说离职手续办完才还，里面有他的私人照片。", category: "labour", urgency: "P3", note: "a phone held by an employer, not a person held" },
  { id: "h3-en-22", lang: "en", text: "The hospital left my mother on a trolley in A&E for 14 hours before anyone saw her.", category: "public_services", urgency: "P3" },
  { id: "h3-zh-23", lang: "zh", text: "邻居家小孩练钢琴吵得要死，每天晚上十点以后还在弹。", category: "neighbour", urgency: "P3", note: "吵得要死 is an idiom" },
  { id: "h3-en-23", lang: "en", text: "The neighbour's cat keeps getting shut in our garage somehow and howls all night, they won't keep it indoors.", category: "neighbour", urgency: "P3" },
  { id: "h3-zh-24", lang: "zh", text: "停车的时候他推了我一下车门，说我占了他的车位，我们就吵起来了，没受伤。", category: "neighbour", urgency: "P3", note: "a push of a car door in a parking row" },

  // ---- P4 controls ----
  { id: "h3-en-24", lang: "en", text: "How do I apply for the winter heating allowance for my grandmother?", category: "public_services", urgency: "P4" },
  { id: "h3-zh-25", lang: "zh", text: "想问一下，劳动合同到期公司不续签，有没有经济补偿？", category: "labour", urgency: "P4" },
  { id: "h3-en-25", lang: "en", text: "Thanks for sorting out the noise from the bar downstairs, it's been quiet all week.", category: "neighbour", urgency: "P4" },
  { id: "h3-zh-26", lang: "zh", text: "你们周末有人值班吗？我想带材料过来咨询宅基地确权的事。", category: "land_housing", urgency: "P4" },
  { id: "h3-en-26", lang: "en", text: "Can I get legal aid as a pensioner if I want to contest my brother's claim to our parents' inheritance?", category: "family", urgency: "P4" },
  { id: "h3-mx-04", lang: "mixed", text: "请问 tenant 提前退租的话 deposit 一般能退多少？", category: "land_housing", urgency: "P4" },
  { id: "h3-zh-27", lang: "zh", text: "请问老人走失了应该先找派出所还是先找社区？我们想先了解一下流程，我爸已经找到了。", category: "public_services", urgency: "P4", note: "the elder has been found; a question about procedure" },
];
